package columndb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Attrs are a column's attributes that the table's owner defines and the
// engine stores without reading (the caller database's roles and digit
// ranges). It is a value: a table's definition is shared by every reader,
// and nothing can change the attributes under them.
type Attrs struct {
	raw string // a JSON object with sorted keys; "" when there are none
}

// MakeAttrs returns attributes holding m's JSON values; m is not kept.
func MakeAttrs(m map[string]json.RawMessage) (Attrs, error) {
	if len(m) == 0 {
		return Attrs{}, nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if knownColumnKey(k) || k == "" {
			return Attrs{}, fmt.Errorf("columndb: attribute %q: name taken by the engine", k)
		}
		if !json.Valid(m[k]) {
			return Attrs{}, fmt.Errorf("columndb: attribute %q: not a JSON value", k)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		// One spelling of each value, the one encoding/json writes (HTML
		// characters escaped), so equal attributes compare equal.
		var compact bytes.Buffer
		if err := json.Compact(&compact, m[k]); err != nil {
			return Attrs{}, fmt.Errorf("columndb: attribute %q: %w", k, err)
		}
		json.HTMLEscape(&b, compact.Bytes())
	}
	b.WriteByte('}')
	return Attrs{raw: b.String()}, nil
}

// Map returns a copy of the attributes by name.
func (a Attrs) Map() map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if a.raw != "" {
		_ = json.Unmarshal([]byte(a.raw), &m) // MakeAttrs made it valid
	}
	return m
}

// Get returns one attribute's JSON value.
func (a Attrs) Get(name string) (json.RawMessage, bool) {
	v, ok := a.Map()[name]
	return v, ok
}

// IsZero reports whether there are no attributes.
func (a Attrs) IsZero() bool { return a.raw == "" }

// MarshalJSON writes the attributes as the JSON object they are; a table
// keeps its own this way (a column keeps its attributes beside its fields).
func (a Attrs) MarshalJSON() ([]byte, error) {
	if a.raw == "" {
		return []byte("{}"), nil
	}
	return []byte(a.raw), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (a *Attrs) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("columndb: attributes: %w", err)
	}
	v, err := MakeAttrs(m)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// columnFields are the attributes the engine reads, as they are stored.
type columnFields struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Type       Type       `json:"type"`
	Format     DateFormat `json:"format,omitempty"`
	Visible    bool       `json:"visible"`
	Required   bool       `json:"required"`
	PrimaryKey bool       `json:"primary_key"`
}

func knownColumnKey(k string) bool {
	for _, known := range []string{"id", "name", "type", "format", "visible", "required", "primary_key"} {
		// encoding/json matches keys without regard to case.
		if strings.EqualFold(k, known) {
			return true
		}
	}
	return false
}

// MarshalJSON stores the owner's attributes beside the engine's, as keys
// of the column's own object: a schema stored before attributes existed
// kept its caller roles (ivr_field, min_dtmf, max_dtmf) there.
func (c Column) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(columnFields{c.ID, c.Name, c.Type, c.Format, c.Visible, c.Required, c.PrimaryKey})
	if err != nil || c.Attrs.raw == "" || c.Attrs.raw == "{}" {
		return b, err
	}
	out := append(b[:len(b)-1], ',')
	return append(out, c.Attrs.raw[1:]...), nil
}

// UnmarshalJSON reads the engine's keys and folds every other key into
// Attrs, so a stored schema keeps every value its owner gave it.
func (c *Column) UnmarshalJSON(b []byte) error {
	var f columnFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	for k := range all {
		if knownColumnKey(k) {
			delete(all, k)
		}
	}
	attrs, err := MakeAttrs(all)
	if err != nil {
		return err
	}
	*c = Column{ID: f.ID, Name: f.Name, Type: f.Type, Format: f.Format, Visible: f.Visible,
		Required: f.Required, PrimaryKey: f.PrimaryKey, Attrs: attrs}
	return nil
}
