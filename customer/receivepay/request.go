package receivepay

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of a request's shape. The largest real request (Recur with an
// embedded customer) has about 40 elements three deep; these leave room
// and bound what a hostile body can make the parser build.
const (
	maxDepth    = 8
	maxElements = 500
	maxValue    = 4096
)

// element is one element of a request: its text, trimmed, or its children.
type element struct {
	name string
	text string
	kids []*element
}

// child is the first child of that name, or nil.
func (e *element) child(name string) *element {
	if e == nil {
		return nil
	}
	for _, k := range e.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// value is a child's text and whether the child is present.
func (e *element) value(name string) (string, bool) {
	c := e.child(name)
	if c == nil {
		return "", false
	}
	return c.text, true
}

// errMalformed is a body that is no well-formed request.
var errMalformed = errors.New("receivepay: malformed request")

// parseRequest reads the body into its element tree. The root must be
// <request>; an element may appear only once among its siblings (two
// card numbers would leave which one is meant to chance); text must be
// UTF-8 (or declared ISO-8859-1) and no value may be longer than maxValue.
// The error never quotes the body.
func parseRequest(body []byte) (*element, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.CharsetReader = charsetReader
	var stack []*element
	var root *element
	elements := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: not well-formed XML", errMalformed)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elements++
			if elements > maxElements || len(stack) >= maxDepth {
				return nil, fmt.Errorf("%w: too many or too deeply nested elements", errMalformed)
			}
			e := &element{name: t.Name.Local}
			if t.Name.Space != "" {
				return nil, fmt.Errorf("%w: namespaced element", errMalformed)
			}
			if len(stack) == 0 {
				if root != nil || e.name != "request" {
					return nil, fmt.Errorf("%w: the document is not one <request>", errMalformed)
				}
				root = e
			} else {
				parent := stack[len(stack)-1]
				if parent.child(e.name) != nil {
					return nil, fmt.Errorf("%w: <%s> appears twice in <%s>", errMalformed, safeName(e.name), safeName(parent.name))
				}
				parent.kids = append(parent.kids, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(e.kids) > 0 {
				e.text = ""
			} else {
				e.text = strings.TrimSpace(e.text)
			}
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("%w: text outside <request>", errMalformed)
				}
				continue
			}
			e := stack[len(stack)-1]
			if len(e.text)+len(t) > maxValue {
				return nil, fmt.Errorf("%w: <%s> is longer than %d bytes", errMalformed, safeName(e.name), maxValue)
			}
			e.text += string(t)
		case xml.Directive:
			// A DTD could declare entities; nothing a client needs.
			return nil, fmt.Errorf("%w: document type declarations are not accepted", errMalformed)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no <request>", errMalformed)
	}
	return root, nil
}

// safeName is an element name fit to quote in an answer: names are what
// the client sent, but never card data, and are cut short.
func safeName(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.ToValidUTF8(s, "")
}

// charsetReader accepts the two encodings PHP clients declare.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin1", "latin-1":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b))
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("%w: unsupported encoding", errMalformed)
}
