package field

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Value is a JSON scalar as integrations send it: the API's own samples send
// "PaymentType": "2" and "isPrimary": false, and documents say int, so a
// string, a number and a boolean are all accepted and kept as text (a card
// number sent as a JSON number keeps every digit). null counts as absent,
// because samples send "CardType": null for "not given".
type Value struct {
	Text string
	Set  bool
	// Bad is set when the JSON was an object or an array.
	Bad bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*v = Value{}
	switch {
	case len(b) == 0 || string(b) == "null":
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v.Text, v.Set = s, true
	case b[0] == '{' || b[0] == '[':
		v.Set, v.Bad = true, true
	default:
		v.Text, v.Set = string(b), true
	}
	return nil
}

// Trimmed is the text without surrounding spaces.
func (v Value) Trimmed() string { return strings.TrimSpace(v.Text) }

// Bool reads 1/0/true/false (any case); ok is false for anything else.
func (v Value) Bool() (b, ok bool) {
	switch strings.ToLower(v.Trimmed()) {
	case "1", "true":
		return true, true
	case "0", "false", "":
		return false, true
	}
	return false, false
}

// Len counts characters, as the API's an..50 limits do.
func Len(s string) int { return utf8.RuneCountInString(s) }
