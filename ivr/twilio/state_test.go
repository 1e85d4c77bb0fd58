package twilio

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tonebase/tonebase/ivr/callflow"
)

func TestStateRoundTrip(t *testing.T) {
	s, err := newSealer([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	st := callflow.State{Ref: 2, Tries: 1, Keyed: []string{"123456", "01021990"}}
	text, err := s.seal(1001, 1, "CA1", st, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.open(1001, 1, "CA1", text, now.Add(StateTTL))
	if err != nil || got.Ref != 2 || got.Tries != 1 || !slices.Equal(got.Keyed, st.Keyed) || got.Stage != callflow.StageRefs {
		t.Fatalf("open = %+v, %v", got, err)
	}
	// A state handed to <Pay> keeps its amounts, and lasts an hour: the
	// caller may take long over their card, and what was charged must post.
	paying := callflow.State{Ref: 2, Keyed: st.Keyed, Stage: callflow.StagePaying, Balance: 1250, Least: 500, Most: 1250, Amount: 99_999_999_99}
	ptext, err := s.seal(1001, 1, "CA1", paying, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.open(1001, 1, "CA1", ptext, now.Add(PayStateTTL)); err != nil || !reflect.DeepEqual(got, paying) {
		t.Fatalf("paying state = %+v, %v", got, err)
	}
	if _, err := s.open(1001, 1, "CA1", ptext, now.Add(PayStateTTL+time.Second)); err == nil {
		t.Fatal("a paying state opened past its hour")
	}
	other, _ := newSealer([]byte("another server"))
	for name, open := range map[string]func() error{
		"expired":          func() error { _, err := s.open(1001, 1, "CA1", text, now.Add(StateTTL+time.Second)); return err },
		"from the future":  func() error { _, err := s.open(1001, 1, "CA1", text, now.Add(-2*time.Minute)); return err },
		"another call":     func() error { _, err := s.open(1001, 1, "CA2", text, now); return err },
		"another client":   func() error { _, err := s.open(1002, 1, "CA1", text, now); return err },
		"another database": func() error { _, err := s.open(1001, 2, "CA1", text, now); return err },
		"another server":   func() error { _, err := other.open(1001, 1, "CA1", text, now); return err },
		"one byte changed": func() error {
			b := []byte(text)
			b[len(b)/2] ^= 1
			_, err := s.open(1001, 1, "CA1", string(b), now)
			return err
		},
	} {
		if open() == nil {
			t.Errorf("%s: opened", name)
		}
	}
	for _, digits := range []string{"123456", "01021990"} {
		if slices.Contains([]byte(text), digits[0]) && len(text) > 0 && containsRun(text, digits) {
			t.Errorf("the sealed state shows %s", digits)
		}
	}
}

func containsRun(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// FuzzStateOpen: no text takes the server down, and a sealed state with
// any byte changed, or anything added, does not open.
func FuzzStateOpen(f *testing.F) {
	s, _ := newSealer([]byte("secret"))
	now := time.Unix(1_800_000_000, 0)
	good, _ := s.seal(1, 1, "CA", callflow.State{Ref: 1, Keyed: []string{"123456"}}, now)
	f.Add("", uint(0), byte(0), "")
	f.Add("AAAA", uint(3), byte(1), "x")
	f.Add("!!!", uint(10), byte(0x80), "")
	f.Fuzz(func(t *testing.T, text string, pos uint, x byte, extra string) {
		_, _ = s.open(1, 1, "CA", text, now) // must not panic
		b := []byte(good)
		if x != 0 {
			b[pos%uint(len(b))] ^= x
		}
		changed := string(b) + extra
		if _, err := s.open(1, 1, "CA", changed, now); err == nil && changed != good {
			t.Fatalf("a changed state %q opened", changed)
		}
	})
}
