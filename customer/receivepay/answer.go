package receivepay

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strconv"
)

// node is one element of an answer. A leaf has text; a branch has kids;
// a list's kids are its items, which JSON writes as an array of objects
// whatever their number (OpenGateway's own JSON made one item an object).
type node struct {
	name   string
	text   string
	num    bool // JSON writes text as a number
	branch bool
	list   bool
	kids   []node
}

func leaf(name, text string) node { return node{name: name, text: text} }

func number(name string, n int) node { return node{name: name, text: strconv.Itoa(n), num: true} }

func branch(name string, kids ...node) node { return node{name: name, branch: true, kids: kids} }

func list(name string, items []node) node {
	return node{name: name, branch: true, list: true, kids: items}
}

// format is how an answer is written.
type format int

const (
	formatXML format = iota
	formatJSON
)

// contentType is the answer's media type.
func (f format) contentType() string {
	if f == formatJSON {
		return "application/json"
	}
	return "text/xml; charset=utf-8"
}

// render writes the <response> holding kids.
func (f format) render(kids []node) []byte {
	var b bytes.Buffer
	if f == formatJSON {
		writeJSONObject(&b, kids)
		b.WriteByte('\n')
		return b.Bytes()
	}
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	writeXML(&b, branch("response", kids...), 0)
	return b.Bytes()
}

func writeXML(b *bytes.Buffer, n node, depth int) {
	for range depth {
		b.WriteString("  ")
	}
	switch {
	case n.branch && len(n.kids) > 0:
		b.WriteString("<" + n.name + ">\n")
		for _, k := range n.kids {
			writeXML(b, k, depth+1)
		}
		for range depth {
			b.WriteString("  ")
		}
		b.WriteString("</" + n.name + ">\n")
	case n.text == "":
		b.WriteString("<" + n.name + "/>\n")
	default:
		b.WriteString("<" + n.name + ">")
		_ = xml.EscapeText(b, []byte(n.text)) // a bytes.Buffer never fails
		b.WriteString("</" + n.name + ">\n")
	}
}

func writeJSONObject(b *bytes.Buffer, kids []node) {
	b.WriteByte('{')
	for i, k := range kids {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, k.name)
		b.WriteByte(':')
		writeJSONValue(b, k)
	}
	b.WriteByte('}')
}

func writeJSONValue(b *bytes.Buffer, n node) {
	switch {
	case n.list:
		b.WriteByte('[')
		for i, item := range n.kids {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONObject(b, item.kids)
		}
		b.WriteByte(']')
	case n.branch:
		writeJSONObject(b, n.kids)
	case n.num:
		b.WriteString(n.text)
	default:
		writeJSONString(b, n.text)
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	out, _ := json.Marshal(s) // a string always marshals
	b.Write(out)
}
