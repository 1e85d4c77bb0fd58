package backup

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

var testKey = bytes.Repeat([]byte{0x42}, 32)

// secretish is what a backup carries: names, dates of birth, balances.
var secretish = []byte(`{"colA":"123456","colB":"Ada Lovelace","colC":"01021990","colD":"£12.50"}`)

func storeBytes(n int) []byte {
	var b bytes.Buffer
	for b.Len() < n {
		b.Write(secretish)
	}
	return b.Bytes()[:n]
}

func write(t testing.TB, key []byte, files []File, store []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	_, err := Write(&out, key, files, func(w io.Writer) error {
		_, err := w.Write(store)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func read(file, key []byte) ([]File, []byte, error) {
	var store []byte
	_, files, err := Read(bytes.NewReader(file), key, func(r io.Reader) error {
		var err error
		store, err = io.ReadAll(r)
		return err
	})
	return files, store, err
}

func TestRoundTrip(t *testing.T) {
	files := []File{{Name: "secrets.key", Data: bytes.Repeat([]byte{1}, 32)}, {Name: "admin.token", Data: []byte("token\n")}}
	for _, tt := range []struct {
		name  string
		key   []byte
		store int
	}{
		{"plain, empty store", nil, 0},
		{"plain", nil, 300 << 10},
		{"encrypted, empty store", testKey, 0},
		{"encrypted, one chunk", testKey, ChunkSize - 100},
		{"encrypted, many chunks", testKey, 5*ChunkSize + 17},
		{"encrypted, past a segment", testKey, maxSegment + 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := storeBytes(tt.store)
			file := write(t, tt.key, files, store)
			got, gotStore, err := read(file, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(gotStore, store) {
				t.Fatalf("store stream: %d bytes back of %d", len(gotStore), len(store))
			}
			if len(got) != 2 || got[0].Name != "secrets.key" || !bytes.Equal(got[1].Data, files[1].Data) {
				t.Fatalf("files %+v", got)
			}
			h, err := ReadHeader(bytes.NewReader(file))
			if err != nil || h.Encrypted != (tt.key != nil) {
				t.Fatalf("header %+v, %v", h, err)
			}
		})
	}
}

// TestNothingInTheClear: an encrypted backup shows none of what it holds.
func TestNothingInTheClear(t *testing.T) {
	file := write(t, testKey, []File{{Name: "secrets.key", Data: []byte("SEALING-KEY-0123456789abcdefghij")}}, storeBytes(200<<10))
	for _, s := range []string{"Ada", "Lovelace", "01021990", "12.50", "123456", "SEALING-KEY", "secrets.key", "colA"} {
		if bytes.Contains(file, []byte(s)) {
			t.Errorf("%q is readable in the encrypted file", s)
		}
	}
	plain := write(t, nil, nil, storeBytes(1000))
	if !bytes.Contains(plain, []byte("Lovelace")) {
		t.Error("the plain mode hides its data: it should not pretend to")
	}
}

// TestEveryByteMatters flips each byte of a small encrypted file in turn,
// and a sample of a large one's, and cuts both at every length: each is
// refused.
func TestEveryByteMatters(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  []byte
		size int
		step int
	}{
		{"encrypted, small", testKey, 1000, 1},
		{"encrypted, several frames", testKey, 3*ChunkSize + 5, 997},
		{"plain, small", nil, 1000, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := write(t, tt.key, []File{{Name: "secrets.key", Data: make([]byte, 32)}}, storeBytes(tt.size))
			for i := 0; i < len(file); i += tt.step {
				bad := bytes.Clone(file)
				bad[i] ^= 0x01
				if _, _, err := read(bad, tt.key); err == nil {
					t.Fatalf("a flipped bit at byte %d of %d was accepted", i, len(file))
				}
			}
			for n := 0; n < len(file); n += tt.step {
				_, _, err := read(file[:n], tt.key)
				if err == nil {
					t.Fatalf("the file cut to %d of %d bytes was accepted", n, len(file))
				}
				if n > headerSize && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrDamaged) {
					t.Fatalf("cut to %d: %v", n, err)
				}
			}
			if _, _, err := read(append(bytes.Clone(file), 0), tt.key); !errors.Is(err, ErrDamaged) {
				t.Fatalf("a byte after the end: %v", err)
			}
		})
	}
}

// frames splits a file into its header and frames.
func frames(t *testing.T, file []byte) ([]byte, [][]byte) {
	t.Helper()
	head, rest := file[:headerSize], file[headerSize:]
	var out [][]byte
	for len(rest) > 0 {
		n := 5 + int(binary.BigEndian.Uint32(rest[1:5]))
		out = append(out, rest[:n])
		rest = rest[n:]
	}
	return head, out
}

func TestFramesStayInPlace(t *testing.T) {
	file := write(t, testKey, nil, storeBytes(4*ChunkSize))
	head, fr := frames(t, file)
	if len(fr) < 4 {
		t.Fatalf("%d frames", len(fr))
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(append([][]byte{head}, parts...), nil) }
	other := write(t, testKey, nil, storeBytes(4*ChunkSize))
	_, otherFr := frames(t, other)
	lastFlagged := bytes.Clone(fr[1])
	lastFlagged[0] = flagLast
	for _, tt := range []struct {
		name string
		file []byte
	}{
		{"two frames swapped", join(fr[0], fr[2], fr[1], fr[3], fr[4])},
		{"a frame dropped", join(append([][]byte{fr[0]}, fr[2:]...)...)},
		{"a frame repeated", join(append([][]byte{fr[0], fr[1]}, fr[1:]...)...)},
		{"the last frame dropped", join(fr[:len(fr)-1]...)},
		{"a frame marked last", join(fr[0], lastFlagged)},
		{"a frame of another backup", join(fr[0], otherFr[1], fr[2], fr[3], fr[4])},
		{"another backup's header", bytes.Join(append([][]byte{other[:headerSize]}, fr...), nil)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := read(tt.file, testKey); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestKeys(t *testing.T) {
	enc := write(t, testKey, nil, storeBytes(100))
	plain := write(t, nil, nil, storeBytes(100))
	other := make([]byte, 32)
	rand.Read(other)
	for _, tt := range []struct {
		name string
		file []byte
		key  []byte
		want error
	}{
		{"encrypted, no key", enc, nil, ErrNeedKey},
		{"encrypted, another key", enc, other, ErrWrongKey},
		{"plain, a key", plain, testKey, ErrNotEncrypted},
		{"not a backup", []byte("PK\x03\x04 a zip file, say, long enough for a header of fifty-eight bytes"), nil, ErrNotBackup},
		{"empty", nil, nil, ErrNotBackup},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := read(tt.file, tt.key); !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}
}

// TestStoreErrorsStayTheStores: a store that refuses what it reads gets
// its own error back; the file's faults are the file's.
func TestStoreErrorsStayTheStores(t *testing.T) {
	file := write(t, testKey, nil, storeBytes(3*ChunkSize))
	mine := errors.New("store refused")
	_, _, err := Read(bytes.NewReader(file), testKey, func(io.Reader) error { return mine })
	if !errors.Is(err, mine) {
		t.Fatalf("error %v", err)
	}
	// A store that stops early still has the rest verified.
	bad := bytes.Clone(file)
	bad[len(bad)-3] ^= 1
	_, _, err = Read(bytes.NewReader(bad), testKey, func(r io.Reader) error {
		_, err := io.ReadFull(r, make([]byte, 10))
		return err
	})
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("a store that stopped early hid damage after it: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(write(f, nil, []File{{Name: "secrets.key", Data: make([]byte, 32)}}, storeBytes(300)), false)
	f.Add(write(f, testKey, []File{{Name: "admin.token", Data: []byte("t")}}, storeBytes(300)), true)
	f.Add(write(f, nil, nil, nil), false)
	f.Fuzz(func(t *testing.T, file []byte, encrypted bool) {
		var key []byte
		if encrypted {
			key = testKey
		}
		var store []byte
		m, files, err := Read(bytes.NewReader(file), key, func(r io.Reader) error {
			var err error
			store, err = io.ReadAll(r)
			return err
		})
		if err != nil {
			return
		}
		if m.Encrypted != encrypted || len(files) != len(m.Files) {
			t.Fatalf("accepted a file whose manifest %+v does not match (%d files)", m, len(files))
		}
		for _, f := range files {
			if len(f.Name) == 0 || len(f.Name) > 255 || len(f.Data) > maxFile {
				t.Fatalf("accepted file %q of %d bytes", f.Name, len(f.Data))
			}
		}
		// What verified writes back the same.
		again := write(t, key, files, store)
		if _, _, err := read(again, key); err != nil {
			t.Fatalf("rewritten: %v", err)
		}
	})
}
