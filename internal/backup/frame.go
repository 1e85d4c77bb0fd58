package backup

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The file begins with a header in the clear: what a reader needs before it
// can open anything, and nothing about the data.
//
//	magic   8 bytes  "TBBACKUP"
//	version 1 byte   1
//	mode    1 byte   0 plain, 1 AES-256-GCM
//	salt    32 bytes random, makes this file's frame key its own
//	check   16 bytes proves the key without opening a frame (zero when plain)
//
// Frames follow, each: flags (1 byte: 1 on the last frame, 0 on every
// other), length of the sealed payload (4 bytes, big endian), the sealed
// payload (at most ChunkSize bytes of plaintext, then a 16-byte tag).
//
// A frame's nonce is its flags byte, three zero bytes and its index as 8
// bytes, and its additional data is the header, so a frame sealed for
// another place, another file or as the last one does not open anywhere
// else: reordering, splicing and truncation are refused like an altered
// byte. Without a master key the tag is a SHA-256 over the same inputs:
// it catches a damaged file, not a forged one, and hides nothing.
const (
	magic      = "TBBACKUP"
	version    = 1
	headerSize = 8 + 1 + 1 + 32 + 16
	tagSize    = 16
	// ChunkSize is the most plaintext one frame carries.
	ChunkSize = 64 << 10
	flagLast  = 1

	modePlain = 0
	modeGCM   = 1
)

// Errors callers branch on.
var (
	// ErrNotBackup: the input does not start like a tonebase backup.
	ErrNotBackup = errors.New("backup: not a tonebase backup file")
	// ErrDamaged: a frame does not open: the file was altered, reordered,
	// cut short or extended after it was written.
	ErrDamaged = errors.New("backup: the file is damaged or was altered (a frame does not verify)")
	// ErrTruncated: the file ends before its last frame.
	ErrTruncated = errors.New("backup: the file is incomplete (it ends before its last frame)")
	// ErrNeedKey: the backup is encrypted and no key was given.
	ErrNeedKey = errors.New("backup: the file is encrypted under a master key, and none was given")
	// ErrWrongKey: the key given is not the one the backup was made under.
	ErrWrongKey = errors.New("backup: the master key given is not the one this backup was made under")
)

// Header is what the clear header says.
type Header struct {
	Encrypted bool
	raw       [headerSize]byte
}

// sealer seals and opens one frame.
type sealer interface {
	seal(dst, plain []byte, index uint64, last bool) []byte
	open(dst, sealed []byte, index uint64, last bool) ([]byte, error)
}

func nonce(index uint64, last bool) [12]byte {
	var n [12]byte
	if last {
		n[0] = flagLast
	}
	binary.BigEndian.PutUint64(n[4:], index)
	return n
}

type gcmSealer struct {
	aead cipher.AEAD
	ad   []byte
}

func (g gcmSealer) seal(dst, plain []byte, index uint64, last bool) []byte {
	n := nonce(index, last)
	return g.aead.Seal(dst, n[:], plain, g.ad)
}

func (g gcmSealer) open(dst, sealed []byte, index uint64, last bool) ([]byte, error) {
	n := nonce(index, last)
	p, err := g.aead.Open(dst, n[:], sealed, g.ad)
	if err != nil {
		return nil, ErrDamaged
	}
	return p, nil
}

// sumSealer is the plain mode: a checksum in the tag's place.
type sumSealer struct{ ad []byte }

func (s sumSealer) tag(plain []byte, index uint64, last bool) []byte {
	n := nonce(index, last)
	h := sha256.New()
	h.Write(s.ad)
	h.Write(n[:])
	h.Write(plain)
	return h.Sum(nil)[:tagSize]
}

func (s sumSealer) seal(dst, plain []byte, index uint64, last bool) []byte {
	dst = append(dst, plain...)
	return append(dst, s.tag(plain, index, last)...)
}

func (s sumSealer) open(dst, sealed []byte, index uint64, last bool) ([]byte, error) {
	if len(sealed) < tagSize {
		return nil, ErrDamaged
	}
	plain := sealed[:len(sealed)-tagSize]
	if !hmac.Equal(sealed[len(plain):], s.tag(plain, index, last)) {
		return nil, ErrDamaged
	}
	return append(dst, plain...), nil
}

// keys derives this file's frame key and key check from the caller's key
// and the file's salt, so no two files share a frame key and GCM's
// counter nonces never repeat under one key.
func keys(key, salt []byte) (frame, check []byte, err error) {
	frame, err = hkdf.Key(sha256.New, key, salt, "tonebase backup v1 frames", 32)
	if err != nil {
		return nil, nil, fmt.Errorf("backup: derive key: %w", err)
	}
	check, err = hkdf.Key(sha256.New, key, salt, "tonebase backup v1 key check", tagSize)
	if err != nil {
		return nil, nil, fmt.Errorf("backup: derive key: %w", err)
	}
	return frame, check, nil
}

func newGCM(key []byte, ad []byte) (sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return gcmSealer{aead: aead, ad: ad}, nil
}

// Writer seals what is written to it into frames. Close writes the last
// frame; a file without it is refused on reading.
type Writer struct {
	w     io.Writer
	s     sealer
	buf   []byte
	out   []byte
	index uint64
	err   error
}

// NewWriter writes a header to w and returns a Writer sealing under key, a
// 32-byte key (derived from the master key for this use), or in the plain
// mode when key is nil.
func NewWriter(w io.Writer, key []byte) (*Writer, error) {
	if key != nil && len(key) != 32 {
		return nil, fmt.Errorf("backup: key must be 32 bytes, got %d", len(key))
	}
	var h [headerSize]byte
	copy(h[:], magic)
	h[8] = version
	if _, err := rand.Read(h[10:42]); err != nil {
		return nil, fmt.Errorf("backup: salt: %w", err)
	}
	// The sealers take the header as their additional data: it is
	// complete before the first frame is sealed.
	var s sealer = sumSealer{ad: h[:]}
	if key != nil {
		h[9] = modeGCM
		frame, check, err := keys(key, h[10:42])
		if err != nil {
			return nil, err
		}
		copy(h[42:], check)
		if s, err = newGCM(frame, h[:]); err != nil {
			return nil, err
		}
	}
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("backup: write header: %w", err)
	}
	return &Writer{w: w, s: s, buf: make([]byte, 0, ChunkSize), out: make([]byte, 0, 5+ChunkSize+tagSize)}, nil
}

// Write buffers p and writes every full frame.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		take := min(ChunkSize-len(w.buf), len(p))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) == ChunkSize {
			if err := w.flush(false); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *Writer) flush(last bool) error {
	var flags byte
	if last {
		flags = flagLast
	}
	w.out = append(w.out[:0], flags, 0, 0, 0, 0)
	w.out = w.s.seal(w.out, w.buf, w.index, last)
	binary.BigEndian.PutUint32(w.out[1:5], uint32(len(w.out)-5))
	w.index++
	w.buf = w.buf[:0]
	if _, err := w.w.Write(w.out); err != nil {
		w.err = fmt.Errorf("backup: write: %w", err)
		return w.err
	}
	return nil
}

// Close writes the last frame. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.flush(true); err != nil {
		return err
	}
	w.err = errors.New("backup: writer closed")
	return nil
}

// ReadHeader reads and checks the clear header.
func ReadHeader(r io.Reader) (Header, error) {
	var h Header
	if _, err := io.ReadFull(r, h.raw[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return h, fmt.Errorf("%w: it is shorter than a header", ErrNotBackup)
		}
		return h, fmt.Errorf("backup: read header: %w", err)
	}
	if string(h.raw[:8]) != magic {
		return h, ErrNotBackup
	}
	if h.raw[8] != version {
		return h, fmt.Errorf("%w: format version %d, this tonebase reads version %d", ErrNotBackup, h.raw[8], version)
	}
	switch h.raw[9] {
	case modePlain:
		if !bytes.Equal(h.raw[42:], make([]byte, tagSize)) {
			return h, ErrDamaged
		}
	case modeGCM:
		h.Encrypted = true
	default:
		return h, fmt.Errorf("%w: unknown mode %d", ErrNotBackup, h.raw[9])
	}
	return h, nil
}

// Reader yields the verified plaintext of a backup. Read returns io.EOF
// only once the last frame has verified and nothing follows it; a frame
// that does not verify, or a file that ends early, is an error, and no
// byte of a frame is returned before the frame has verified.
type Reader struct {
	r     io.Reader
	s     sealer
	index uint64
	in    []byte
	plain []byte
	off   int
	done  bool
	err   error
}

// NewReader returns a Reader of a backup whose header h was read from r.
// key is nil for a plain backup; an encrypted one needs the key it was
// made under.
func NewReader(r io.Reader, h Header, key []byte) (*Reader, error) {
	ad := h.raw[:]
	rd := &Reader{r: r, in: make([]byte, 0, ChunkSize+tagSize), plain: make([]byte, 0, ChunkSize)}
	if !h.Encrypted {
		rd.s = sumSealer{ad: ad}
		return rd, nil
	}
	if key == nil {
		return nil, ErrNeedKey
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("backup: key must be 32 bytes, got %d", len(key))
	}
	frame, check, err := keys(key, h.raw[10:42])
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(check, h.raw[42:]) {
		return nil, ErrWrongKey
	}
	if rd.s, err = newGCM(frame, ad); err != nil {
		return nil, err
	}
	return rd, nil
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	for r.off == len(r.plain) {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			r.err = r.end()
			return 0, r.err
		}
		if err := r.next(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := copy(p, r.plain[r.off:])
	r.off += n
	return n, nil
}

// end checks that nothing follows the last frame.
func (r *Reader) end() error {
	var b [1]byte
	n, err := io.ReadFull(r.r, b[:])
	switch {
	case n > 0:
		return fmt.Errorf("%w: data follows the last frame", ErrDamaged)
	case errors.Is(err, io.EOF):
		return io.EOF
	}
	return fmt.Errorf("backup: read: %w", err)
}

func (r *Reader) next() error {
	var fh [5]byte
	if _, err := io.ReadFull(r.r, fh[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ErrTruncated
		}
		return fmt.Errorf("backup: read: %w", err)
	}
	n := binary.BigEndian.Uint32(fh[1:])
	if fh[0] > flagLast || n < tagSize || n > ChunkSize+tagSize {
		return ErrDamaged
	}
	r.in = r.in[:n]
	if _, err := io.ReadFull(r.r, r.in); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ErrTruncated
		}
		return fmt.Errorf("backup: read: %w", err)
	}
	last := fh[0] == flagLast
	plain, err := r.s.open(r.plain[:0], r.in, r.index, last)
	if err != nil {
		return err
	}
	r.plain, r.off, r.done = plain, 0, last
	r.index++
	return nil
}

// Copy copies a backup from r to w and checks its form on the way: the
// header, every frame's length and flags, a last frame and nothing after
// it. Without the key it cannot verify an encrypted frame's contents
// (restore does); a plain backup's frames it verifies whole. It is how
// the backup command knows that the server sent the whole file.
func Copy(w io.Writer, r io.Reader) (Header, int64, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return h, 0, err
	}
	if _, err := w.Write(h.raw[:]); err != nil {
		return h, 0, fmt.Errorf("backup: write: %w", err)
	}
	written := int64(headerSize)
	var s sealer
	if !h.Encrypted {
		s = sumSealer{ad: h.raw[:]}
	}
	buf := make([]byte, 5+ChunkSize+tagSize)
	var plain []byte
	for index := uint64(0); ; index++ {
		if _, err := io.ReadFull(r, buf[:5]); err != nil {
			return h, written, short(err)
		}
		n := binary.BigEndian.Uint32(buf[1:5])
		if buf[0] > flagLast || n < tagSize || n > ChunkSize+tagSize {
			return h, written, ErrDamaged
		}
		frame := buf[:5+n]
		if _, err := io.ReadFull(r, frame[5:]); err != nil {
			return h, written, short(err)
		}
		last := buf[0] == flagLast
		if s != nil {
			if plain, err = s.open(plain[:0], frame[5:], index, last); err != nil {
				return h, written, err
			}
		}
		if _, err := w.Write(frame); err != nil {
			return h, written, fmt.Errorf("backup: write: %w", err)
		}
		written += int64(len(frame))
		if last {
			break
		}
	}
	var b [1]byte
	if n, _ := io.ReadFull(r, b[:]); n > 0 {
		return h, written, fmt.Errorf("%w: data follows the last frame", ErrDamaged)
	}
	return h, written, nil
}
