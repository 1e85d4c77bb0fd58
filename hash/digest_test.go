package hash

import (
	"bytes"
	"fmt"
	"testing"
)

// write feeds body to d in pieces of n bytes, as a network read would.
func write(d *Digest, body []byte, n int) {
	for len(body) > 0 {
		k := min(n, len(body))
		d.Write(body[:k])
		body = body[k:]
	}
}

func TestDigestAnswersAsVerify(t *testing.T) {
	for _, tt := range verifyCases(t) {
		for _, piece := range []int{1, 2, 7, 1 << 20} {
			t.Run(fmt.Sprintf("%s/pieces of %d", tt.name, piece), func(t *testing.T) {
				d := NewDigest(tt.cid, tt.dbid, tt.password)
				write(d, []byte(tt.body), piece)
				if got := d.Verify(tt.token); got != tt.want {
					t.Fatalf("Verify = %v, want %v", got, tt.want)
				}
				if got, want := d.Token(), Sign(tt.cid, tt.dbid, tt.password, []byte(tt.body)); got != want {
					t.Fatalf("Token = %s, want %s", got, want)
				}
			})
		}
	}
}

func TestDigestVectors(t *testing.T) {
	for _, v := range referenceVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			d := NewDigest(v.CID, v.DBID, v.Password)
			write(d, []byte(v.Body), 3)
			if got := d.Token(); got != v.Want {
				t.Fatalf("Token = %s, want %s", got, v.Want)
			}
		})
	}
}

func FuzzDigest(f *testing.F) {
	f.Add([]byte(referenceVectors(f)[1].Body), 3)
	f.Add([]byte("{ \"a\\\"\" : [1, 2] }\n"), 1)
	f.Fuzz(func(t *testing.T, body []byte, piece int) {
		if piece < 1 {
			piece = 1
		}
		compact, _ := Compact(body)
		for _, token := range []string{Sign(1, 2, "pw", body), Sign(1, 2, "pw", compact), Sign(1, 2, "other", body)} {
			d := NewDigest(1, 2, "pw")
			write(d, body, piece)
			if got, want := d.Verify(token), Verify(1, 2, "pw", body, token); got != want {
				t.Fatalf("Digest.Verify = %v, Verify = %v on %q in pieces of %d", got, want, body, piece)
			}
		}
	})
}

// BenchmarkDigest signs an upload body as it streams in 64 KiB reads:
// compact JSON as most merchants' code sends it, and the same indented.
func BenchmarkDigest(b *testing.B) {
	var compact []byte
	compact = append(compact, `{"rows":[`...)
	for i := range 5000 {
		if i > 0 {
			compact = append(compact, ',')
		}
		compact = fmt.Appendf(compact, `{"invoice":"%010d","dob":"01021990","name":"Customer number %d","balance":"1250.00","min":"10.00","max":"1250.00"}`, i, i)
	}
	compact = append(compact, "]}"...)
	indented := bytes.ReplaceAll(compact, []byte(`,"`), []byte(",\n    \""))
	for _, bc := range []struct {
		name string
		body []byte
	}{{"compact", compact}, {"indented", indented}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				d := NewDigest(1, 2, "pw")
				write(d, bc.body, 64<<10)
				if d.Token() == "" {
					b.Fatal("no token")
				}
			}
		})
	}
}
