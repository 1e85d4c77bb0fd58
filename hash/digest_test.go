package hash

import (
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
