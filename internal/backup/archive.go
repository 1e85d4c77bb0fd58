package backup

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// The archive inside the frames, one section after another:
//
//	'M' u32 length, the manifest as JSON
//	'F' u16 name length, name, u32 length, data      (once per file)
//	'S' (u32 length, data)*, u32 0                     the store's stream
//	'E'                                                the end
const (
	secManifest = 'M'
	secFile     = 'F'
	secStore    = 'S'
	secEnd      = 'E'

	maxManifest = 1 << 20
	maxFile     = 1 << 20
	maxSegment  = 1 << 20
	// Format is the archive's version, in the manifest.
	Format = 1
)

// ErrNotEncrypted: a key was given for a backup that has none: it was made
// by a server without a master key, and restoring it under one would make
// a store that server never had.
var ErrNotEncrypted = errors.New("backup: the file is not encrypted (its server had no master key): restore it without one")

// Manifest describes a backup. It travels sealed, with the rest.
type Manifest struct {
	Format    int       `json:"format"`
	Created   time.Time `json:"created"`
	Encrypted bool      `json:"encrypted"`
	Files     []string  `json:"files"`
}

// File is one of the data folder's small files.
type File struct {
	Name string
	Data []byte
}

// Write writes a whole backup to w: the header, then the manifest, files
// and the stream store writes, sealed under key (nil: the plain mode). A
// failure leaves the file without its last frame, which a reader refuses.
func Write(w io.Writer, key []byte, files []File, store func(io.Writer) error) (Manifest, error) {
	m := Manifest{Format: Format, Created: time.Now().UTC(), Encrypted: key != nil}
	for _, f := range files {
		m.Files = append(m.Files, f.Name)
	}
	fw, err := NewWriter(w, key)
	if err != nil {
		return m, err
	}
	bw := bufio.NewWriterSize(fw, ChunkSize)
	js, err := json.Marshal(m)
	if err != nil {
		return m, fmt.Errorf("backup: manifest: %w", err)
	}
	bw.WriteByte(secManifest)
	bw.Write(binary.BigEndian.AppendUint32(nil, uint32(len(js))))
	bw.Write(js)
	for _, f := range files {
		if len(f.Name) == 0 || len(f.Name) > 255 || len(f.Data) > maxFile {
			return m, fmt.Errorf("backup: file %q cannot be archived", f.Name)
		}
		bw.WriteByte(secFile)
		bw.Write(binary.BigEndian.AppendUint16(nil, uint16(len(f.Name))))
		bw.WriteString(f.Name)
		bw.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f.Data))))
		bw.Write(f.Data)
	}
	bw.WriteByte(secStore)
	sw := &segmentWriter{w: bw}
	// Segments of a chunk: what the store writes reaches the frames, and
	// the client, as it goes.
	sb := bufio.NewWriterSize(sw, ChunkSize)
	if err := store(sb); err != nil {
		return m, err
	}
	if err := sb.Flush(); err != nil {
		return m, err
	}
	bw.Write([]byte{0, 0, 0, 0, secEnd})
	if err := bw.Flush(); err != nil {
		return m, err
	}
	return m, fw.Close()
}

// segmentWriter cuts the store's stream into length-prefixed segments, so
// a reader knows where it ends without trusting the store to say.
type segmentWriter struct{ w *bufio.Writer }

func (s *segmentWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	for len(p) > 0 {
		seg := p[:min(len(p), maxSegment)]
		s.w.Write(binary.BigEndian.AppendUint32(nil, uint32(len(seg))))
		if _, err := s.w.Write(seg); err != nil {
			return n, err
		}
		n += len(seg)
		p = p[len(seg):]
	}
	return n, nil
}

// Read reads a whole backup from r: it checks the header against key
// (nil when none was given), hands the store's stream to store as it
// arrives, and returns the manifest and files once the last frame has
// verified. Until Read returns nil nothing it handed over may be trusted
// to be whole: a caller builds what it restores aside and keeps it only
// then.
func Read(r io.Reader, key []byte, store func(io.Reader) error) (Manifest, []File, error) {
	var m Manifest
	h, err := ReadHeader(r)
	if err != nil {
		return m, nil, err
	}
	if !h.Encrypted && key != nil {
		return m, nil, ErrNotEncrypted
	}
	fr, err := NewReader(r, h, key)
	if err != nil {
		return m, nil, err
	}
	br := bufio.NewReaderSize(fr, ChunkSize)
	tag, err := br.ReadByte()
	if err != nil {
		return m, nil, short(err)
	}
	if tag != secManifest {
		return m, nil, fmt.Errorf("%w: no manifest", ErrDamaged)
	}
	js, err := readBlock(br, 4, maxManifest)
	if err != nil {
		return m, nil, err
	}
	if err := json.Unmarshal(js, &m); err != nil {
		return m, nil, fmt.Errorf("%w: manifest: %v", ErrDamaged, err)
	}
	if m.Format != Format {
		return m, nil, fmt.Errorf("%w: archive format %d, this tonebase reads %d", ErrNotBackup, m.Format, Format)
	}
	if m.Encrypted != h.Encrypted {
		return m, nil, fmt.Errorf("%w: the manifest and header disagree on encryption", ErrDamaged)
	}
	var files []File
	for {
		if tag, err = br.ReadByte(); err != nil {
			return m, nil, short(err)
		}
		if tag != secFile {
			break
		}
		name, err := readBlock(br, 2, 255)
		if err != nil {
			return m, nil, err
		}
		data, err := readBlock(br, 4, maxFile)
		if err != nil {
			return m, nil, err
		}
		files = append(files, File{Name: string(name), Data: data})
	}
	if tag != secStore {
		return m, nil, fmt.Errorf("%w: no store section", ErrDamaged)
	}
	sr := &segmentReader{r: br}
	if err := store(sr); err != nil {
		if sr.err != nil {
			return m, nil, sr.err // the file's fault, not the store's
		}
		return m, nil, err
	}
	// The store may stop before its stream's end; the rest must still be
	// well formed and verify.
	if _, err := io.Copy(io.Discard, sr); err != nil {
		return m, nil, err
	}
	if tag, err = br.ReadByte(); err != nil {
		return m, nil, short(err)
	}
	if tag != secEnd {
		return m, nil, fmt.Errorf("%w: no end section", ErrDamaged)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		if err == nil {
			return m, nil, fmt.Errorf("%w: data after the end section", ErrDamaged)
		}
		return m, nil, err
	}
	if len(files) != len(m.Files) {
		return m, nil, fmt.Errorf("%w: the manifest lists %d files, the file holds %d", ErrDamaged, len(m.Files), len(files))
	}
	for i, f := range files {
		if f.Name != m.Files[i] {
			return m, nil, fmt.Errorf("%w: file %q is not the manifest's %q", ErrDamaged, f.Name, m.Files[i])
		}
	}
	return m, files, nil
}

// short turns an end of the plaintext where a section was due into the
// damage it is: the frames verified, so the writer stopped mid-archive.
func short(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTruncated
	}
	return err
}

// readBlock reads a length of n bytes (2 or 4, big endian) and that many
// bytes, at most limit.
func readBlock(r io.Reader, n, limit int) ([]byte, error) {
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:n]); err != nil {
		return nil, short(err)
	}
	size := int(binary.BigEndian.Uint32(lb[:]) >> (8 * (4 - n)))
	if size > limit {
		return nil, fmt.Errorf("%w: a section of %d bytes, past its limit of %d", ErrDamaged, size, limit)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, short(err)
	}
	return b, nil
}

// segmentReader reads the store's segments and ends at their terminator.
type segmentReader struct {
	r    *bufio.Reader
	left int
	done bool
	err  error // the file's own error, kept apart from the store's
}

func (s *segmentReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	for s.left == 0 {
		if s.done {
			return 0, io.EOF
		}
		var lb [4]byte
		if _, err := io.ReadFull(s.r, lb[:]); err != nil {
			s.err = short(err)
			return 0, s.err
		}
		s.left = int(binary.BigEndian.Uint32(lb[:]))
		if s.left > maxSegment {
			s.err = fmt.Errorf("%w: a segment of %d bytes", ErrDamaged, s.left)
			return 0, s.err
		}
		if s.left == 0 {
			s.done = true
		}
	}
	n, err := s.r.Read(p[:min(len(p), s.left)])
	s.left -= n
	if err != nil {
		s.err = short(err) // the frames end inside a segment
		return n, s.err
	}
	return n, nil
}
