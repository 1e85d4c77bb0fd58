package hipfinity

import (
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2/28/24", day(2024, 2, 28), true},
		{"2/28/2024", day(2024, 2, 28), true},
		{"12/30/23", day(2023, 12, 30), true},
		{"02/09/2024", day(2024, 2, 9), true},
		{" 1/1/49 ", day(2049, 1, 1), true},
		{"1/1/50", day(1950, 1, 1), true},
		{"2/29/2024", day(2024, 2, 29), true},
		{"2/28/2024 12:00:00 AM", day(2024, 2, 28), true},
		{"6/18/2020 4:43:18 PM", day(2020, 6, 18), true},
		{"2/29/2023", time.Time{}, false},
		{"13/1/2024", time.Time{}, false},
		{"0/1/2024", time.Time{}, false},
		{"1/32/2024", time.Time{}, false},
		{"1/1/202", time.Time{}, false},
		{"1/1/20245", time.Time{}, false},
		{"2024-02-28", time.Time{}, false},
		{"28/2/2024", time.Time{}, false},
		{"", time.Time{}, false},
		{"1/1/2024 13:00:00 PM", time.Time{}, false},
		{"1/1/2024 garbage", time.Time{}, false},
		{"+1/1/2024", time.Time{}, false},
	} {
		got, err := ParseDate(tc.in)
		if tc.ok != (err == nil) || (tc.ok && !got.Equal(tc.want)) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrDate) {
			t.Errorf("ParseDate(%q): error %v is not ErrDate", tc.in, err)
		}
	}
}

func TestFormatDates(t *testing.T) {
	ts := time.Date(2020, 6, 18, 16, 43, 18, 0, time.UTC)
	if got := FormatDateTime(ts); got != "6/18/2020 4:43:18 PM" {
		t.Errorf("FormatDateTime = %q", got)
	}
	if got := FormatDateTime(time.Date(2023, 12, 20, 0, 5, 0, 0, time.UTC)); got != "12/20/2023 12:05:00 AM" {
		t.Errorf("FormatDateTime midnight = %q", got)
	}
	d := time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC)
	if got := FormatDate(d); got != "2/28/2024 12:00:00 AM" {
		t.Errorf("FormatDate = %q", got)
	}
	if got := FormatShortDate(d); got != "2/28/2024" {
		t.Errorf("FormatShortDate = %q", got)
	}
}

// FuzzParseDate: whatever ParseDate accepts is a real day that formats back
// to a string it accepts again as the same day.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2/28/24", "2/28/2024", "12/30/23", "6/18/2020 4:43:18 PM", "2/29/2023", "1/1/0001", "99/99/99", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.Hour() != 0 || d.Minute() != 0 || d.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) = %v, not a UTC midnight", s, d)
		}
		for _, out := range []string{FormatShortDate(d), FormatDate(d)} {
			back, err := ParseDate(out)
			if err != nil || !back.Equal(d) {
				t.Fatalf("ParseDate(%q) = %v; its form %q reads back as %v, %v", s, d, out, back, err)
			}
		}
	})
}
