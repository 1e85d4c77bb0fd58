package ivr

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tonebase/tonebase/columndb"
)

// Value kinds in an upload row.
const (
	kindString = iota
	kindNumber
	kindNull
	kindOther // true, false, an object or an array: not a column value
)

// rawField is one key and value of an upload row, unescaped.
type rawField struct {
	key  string
	val  string
	kind int
	k, v text // where key and val lie in the body until the row is done
}

// text is a parsed string or number. Until its row is complete it is a span
// of the body, so that all of a row's keys and values can then share one
// copy of the row: one allocation a row instead of two a column, in the
// loop every upload runs. An escaped string is decoded into its own string.
type text struct {
	start, end int
	own        string
	owned      bool
}

// in returns t as a string, given row, a copy of the body from base on.
// The zero text, a null's or another non-string value's, is empty.
func (t text) in(row string, base int) string {
	switch {
	case t.owned:
		return t.own
	case t.end == 0:
		return ""
	}
	return row[t.start-base : t.end-base]
}

// SyntaxError is a body that is not the JSON an upload must be.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// parseRows reads an upload body, one row object or an array of them, and
// calls fn for each element. It is strict: the whole body must be one JSON
// document, with nothing but whitespace after it, because the signature is
// hash(secret + body) and trailing bytes are how length extension attacks
// one. An element that is not an object is passed with ok=false. fields is
// reused between calls.
func parseRows(body []byte, fn func(i int, fields []rawField, ok bool)) error {
	return (&parser{b: body}).rows(func(i int, fields []rawField, ok bool) error {
		fn(i, fields, ok)
		return nil
	})
}

// parseRowsFrom is parseRows over a body read from r as it is parsed,
// holding a window of it rather than the whole: the one row being parsed
// and what was read ahead of it. A read error ends the parse with it, and
// so does an error fn returns.
func parseRowsFrom(r io.Reader, fn func(i int, fields []rawField, ok bool) error) error {
	p := &parser{b: make([]byte, 0, readAhead), r: r, streamed: true}
	err := p.rows(fn)
	if p.err != nil {
		return fmt.Errorf("ivr: read upload: %w", p.err)
	}
	return err
}

func (p *parser) rows(fn func(i int, fields []rawField, ok bool) error) error {
	p.ws()
	switch p.peek() {
	case '{':
		fields, err := p.row(nil)
		if err != nil {
			return err
		}
		if err := fn(0, fields, true); err != nil {
			return err
		}
	case '[':
		p.i++
		var fields []rawField
		for n := 0; ; n++ {
			p.slide()
			p.ws()
			if n == 0 && p.peek() == ']' {
				p.i++
				break
			}
			if p.peek() == '{' {
				var err error
				if fields, err = p.row(fields[:0]); err != nil {
					return err
				}
				if err := fn(n, fields, true); err != nil {
					return err
				}
			} else {
				if _, err := p.value(); err != nil {
					return err
				}
				if err := fn(n, nil, false); err != nil {
					return err
				}
			}
			p.ws()
			c := p.next()
			if c == ']' {
				break
			}
			if c != ',' {
				return p.fail("expected , or ] in the array")
			}
		}
	default:
		return p.fail("expected a row object or an array of them")
	}
	p.ws()
	if p.more(1) {
		return p.fail("unexpected data after the JSON document")
	}
	return nil
}

type parser struct {
	b     []byte
	i     int
	buf   []byte
	depth int
	// Reading from r, b is a window of the body starting at its byte base.
	// Offsets into b (p.i, a text's span) hold while a row is parsed: b
	// only grows then, and slides between the array's elements.
	r        io.Reader
	streamed bool
	base     int
	err      error // r's, other than io.EOF
}

// readAhead is how much of a streamed body the parser reads at a time.
const readAhead = 64 << 10

// more reports whether n more bytes of the body are in b from p.i,
// reading them from r if they are still to come.
func (p *parser) more(n int) bool {
	for len(p.b)-p.i < n {
		if !p.fill() {
			return false
		}
	}
	return true
}

// fill appends the next bytes read from r to b, growing it if it is full
// (a row larger than the window), and reports whether any arrived.
func (p *parser) fill() bool {
	if p.r == nil || p.err != nil {
		return false
	}
	if len(p.b) == cap(p.b) {
		p.b = slices.Grow(p.b, max(cap(p.b), readAhead))
	}
	for {
		n, err := p.r.Read(p.b[len(p.b):cap(p.b)])
		p.b = p.b[:len(p.b)+n]
		if err != nil {
			p.r = nil
			if err != io.EOF {
				p.err = err
			}
		}
		if n > 0 || p.r == nil {
			return n > 0
		}
	}
}

// slide drops the bytes parsed so far from a streamed body's window, once
// they fill half of it. Called between elements, when no span is live.
func (p *parser) slide() {
	if !p.streamed || p.i < readAhead/2 {
		return
	}
	n := copy(p.b, p.b[p.i:])
	p.b = p.b[:n]
	p.base += p.i
	p.i = 0
}

// maxDepth bounds nesting: rows are flat, and a body of a million '[' must
// be an error, not a stack overflow.
const maxDepth = 32

func (p *parser) fail(msg string) error { return &SyntaxError{Offset: p.base + p.i, Msg: msg} }

func (p *parser) peek() byte {
	if p.i < len(p.b) || p.fill() {
		return p.b[p.i]
	}
	return 0
}

func (p *parser) next() byte {
	c := p.peek()
	p.i++
	return c
}

func (p *parser) ws() {
	for p.i < len(p.b) || p.fill() {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// row parses an object and gives its fields their strings.
func (p *parser) row(fields []rawField) ([]rawField, error) {
	start := p.i
	fields, err := p.object(fields)
	if err != nil {
		return nil, err
	}
	row := string(p.b[start:p.i])
	for i := range fields {
		f := &fields[i]
		f.key, f.val = f.k.in(row, start), f.v.in(row, start)
	}
	return fields, nil
}

// object parses an object, leaving its fields' strings as spans of the body.
func (p *parser) object(fields []rawField) ([]rawField, error) {
	p.i++ // {
	p.ws()
	if p.peek() == '}' {
		p.i++
		return fields, nil
	}
	for {
		p.ws()
		if p.peek() != '"' {
			return nil, p.fail("expected a name in quotes")
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.next() != ':' {
			return nil, p.fail("expected : after a name")
		}
		p.ws()
		f := rawField{k: key}
		switch c := p.peek(); {
		case c == '"':
			f.v, err = p.str()
		case c == '-' || (c >= '0' && c <= '9'):
			f.v, err = p.number()
			f.kind = kindNumber
		case c == 'n':
			err = p.literal("null")
			f.kind = kindNull
		default:
			_, err = p.value()
			f.kind = kindOther
		}
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
		p.ws()
		switch p.next() {
		case ',':
		case '}':
			return fields, nil
		default:
			return nil, p.fail("expected , or } in an object")
		}
	}
}

// value skips any JSON value, checking its syntax.
func (p *parser) value() (int, error) {
	p.ws()
	switch c := p.peek(); {
	case c == '"':
		_, err := p.str()
		return kindString, err
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := p.number()
		return kindNumber, err
	case c == 't':
		return kindOther, p.literal("true")
	case c == 'f':
		return kindOther, p.literal("false")
	case c == 'n':
		return kindNull, p.literal("null")
	case c == '[':
		if p.depth++; p.depth > maxDepth {
			return 0, p.fail("nested too deeply")
		}
		defer func() { p.depth-- }()
		p.i++
		p.ws()
		if p.peek() == ']' {
			p.i++
			return kindOther, nil
		}
		for {
			if _, err := p.value(); err != nil {
				return 0, err
			}
			p.ws()
			switch p.next() {
			case ',':
			case ']':
				return kindOther, nil
			default:
				return 0, p.fail("expected , or ]")
			}
		}
	case c == '{':
		if p.depth++; p.depth > maxDepth {
			return 0, p.fail("nested too deeply")
		}
		defer func() { p.depth-- }()
		_, err := p.object(nil)
		return kindOther, err
	}
	return 0, p.fail("expected a value")
}

func (p *parser) literal(word string) error {
	if !p.more(len(word)) || string(p.b[p.i:p.i+len(word)]) != word {
		return p.fail("expected " + word)
	}
	p.i += len(word)
	return nil
}

// number returns the literal as written, so "0123" style digit strings sent
// as numbers are refused by JSON rules and "12.50" keeps its text.
func (p *parser) number() (text, error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	switch {
	case p.peek() == '0':
		p.i++
	case p.peek() >= '1' && p.peek() <= '9':
		p.digits()
	default:
		return text{}, p.fail("bad number")
	}
	if p.peek() == '.' {
		p.i++
		if !p.digits() {
			return text{}, p.fail("bad number")
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if !p.digits() {
			return text{}, p.fail("bad number")
		}
	}
	return text{start: start, end: p.i}, nil
}

func (p *parser) digits() bool {
	start := p.i
	for (p.i < len(p.b) || p.fill()) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

// str reads a string literal. The common case, no escapes, is a span of
// the body.
func (p *parser) str() (text, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.b) || p.fill() {
		c := p.b[p.i]
		switch {
		case c == '"':
			end := p.i
			p.i++
			if !utf8.Valid(p.b[start:end]) {
				return text{}, p.fail("string is not valid UTF-8")
			}
			return text{start: start, end: end}, nil
		case c == '\\':
			s, err := p.escaped(start)
			return text{own: s, owned: true}, err
		case c < 0x20:
			return text{}, p.fail("control character in a string")
		}
		p.i++
	}
	return text{}, p.fail("unterminated string")
}

func (p *parser) escaped(start int) (string, error) {
	buf := append(p.buf[:0], p.b[start:p.i]...)
	for p.i < len(p.b) || p.fill() {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			p.buf = buf
			if !utf8.Valid(buf) {
				return "", p.fail("string is not valid UTF-8")
			}
			return string(buf), nil
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++
		e := p.next()
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.more(2) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					p.i += 2
					if r2, ok = p.hex4(); !ok {
						return "", p.fail("bad \\u escape")
					}
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", p.fail("unpaired surrogate in \\u escape")
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.fail("bad escape")
		}
	}
	return "", p.fail("unterminated string")
}

func (p *parser) hex4() (rune, bool) {
	if !p.more(4) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

func sortRowErrors(es []columndb.RowError) {
	slices.SortStableFunc(es, func(a, b columndb.RowError) int { return a.Index - b.Index })
}
