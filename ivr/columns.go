package ivr

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// Role is the part a column plays in a call: an identifier the caller keys
// (ref1–ref3, asked in that order) or an amount read back to them. It is
// the admin's "IVR Control Field".
type Role string

// The roles an admin can choose.
const (
	RoleNone       Role = "none"
	RoleRef1       Role = "ref1"
	RoleRef2       Role = "ref2"
	RoleRef3       Role = "ref3"
	RoleBalance    Role = "balance"
	RoleMinPayment Role = "min_payment"
	RoleMaxPayment Role = "max_payment"
)

// Roles lists the roles in the order an admin sees them.
func Roles() []Role {
	return []Role{RoleNone, RoleRef1, RoleRef2, RoleRef3, RoleBalance, RoleMinPayment, RoleMaxPayment}
}

// RefRoles are the identifiers a caller keys, in the order they are asked.
func RefRoles() []Role { return []Role{RoleRef1, RoleRef2, RoleRef3} }

// IsRef reports whether the role is one the caller keys.
func (r Role) IsRef() bool { return r == RoleRef1 || r == RoleRef2 || r == RoleRef3 }

// MaxDTMFLimit is the longest input any ref column may ask for.
const MaxDTMFLimit = 32

// The attribute names a caller column is stored with in the engine: the
// names the schemas stored before the engine knew nothing of callers used,
// so those schemas open with every role and digit range intact.
const (
	attrRole    = "ivr_field"
	attrMinDTMF = "min_dtmf"
	attrMaxDTMF = "max_dtmf"
)

// Column is one column of a caller database as admins define it, in the
// admin API's shape.
type Column struct {
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Type       columndb.Type       `json:"type"`
	Format     columndb.DateFormat `json:"format,omitempty"`
	Visible    bool                `json:"visible"`
	Required   bool                `json:"required"`
	PrimaryKey bool                `json:"primary_key"`
	IVRField   Role                `json:"ivr_field"`
	MinDTMF    int                 `json:"min_dtmf,omitempty"`
	MaxDTMF    int                 `json:"max_dtmf,omitempty"`

	// amountsIn, for a currency column of a database that does not speak
	// British pounds, is how its amounts are written on upload (€12,50).
	amountsIn *Telephony
}

// engine is the column as the storage engine keeps it: the caller rules
// become attributes the engine stores without reading.
func (c Column) engine() (columndb.Column, error) {
	m := map[string]json.RawMessage{attrRole: json.RawMessage(strconv.Quote(string(c.IVRField)))}
	if c.MinDTMF != 0 {
		m[attrMinDTMF] = json.RawMessage(strconv.Itoa(c.MinDTMF))
	}
	if c.MaxDTMF != 0 {
		m[attrMaxDTMF] = json.RawMessage(strconv.Itoa(c.MaxDTMF))
	}
	attrs, err := columndb.MakeAttrs(m)
	if err != nil {
		return columndb.Column{}, fmt.Errorf("ivr: column %s: %w", c.ID, err)
	}
	return columndb.Column{ID: c.ID, Name: c.Name, Type: c.Type, Format: c.Format, Visible: c.Visible,
		Required: c.Required, PrimaryKey: c.PrimaryKey, Attrs: attrs}, nil
}

// columnOf reads a stored column's caller rules back from its attributes.
// A column without a role (a table stored by other code) plays none.
func columnOf(ec columndb.Column) Column {
	c := Column{ID: ec.ID, Name: ec.Name, Type: ec.Type, Format: ec.Format, Visible: ec.Visible,
		Required: ec.Required, PrimaryKey: ec.PrimaryKey, IVRField: RoleNone}
	attrs := ec.Attrs.Map()
	if v, ok := attrs[attrRole]; ok {
		var r string
		if json.Unmarshal(v, &r) == nil && r != "" {
			c.IVRField = Role(r)
		}
	}
	num := func(name string) int {
		var n int
		if v, ok := attrs[name]; ok {
			_ = json.Unmarshal(v, &n) // a stored range is what this package wrote
		}
		return n
	}
	c.MinDTMF, c.MaxDTMF = num(attrMinDTMF), num(attrMaxDTMF)
	return c
}

// normalize canonicalises the column in place as the engine does (ids,
// casing, the default date format), and fills the caller defaults: a role
// of none, and 8 digits for a date ref.
func (c *Column) normalize() {
	ec := columndb.Column{ID: c.ID, Name: c.Name, Type: c.Type, Format: c.Format}
	cols := []columndb.Column{ec}
	columndb.NormalizeColumns(cols)
	c.ID, c.Name, c.Type, c.Format = cols[0].ID, cols[0].Name, cols[0].Type, cols[0].Format
	if c.IVRField == "" {
		c.IVRField = RoleNone
	}
	c.IVRField = Role(strings.ToLower(string(c.IVRField)))
	if c.IVRField.IsRef() && c.Type == columndb.TypeDate && c.MinDTMF == 0 && c.MaxDTMF == 0 {
		c.MinDTMF, c.MaxDTMF = 8, 8
	}
}

// Normalize checks raw against the column's type and, for a ref, its digit
// range, and returns the form that is stored and indexed: what was uploaded
// is then what a caller's keyed digits find.
func (c *Column) Normalize(raw string) (string, error) {
	if c.amountsIn != nil && c.Type == columndb.TypeCurrency {
		minor, err := money.ParseCurrencyIn(c.amountsIn.Language, c.amountsIn.Currency, raw)
		if err != nil {
			return "", &columndb.ValueError{Reason: err.Error()}
		}
		return strconv.FormatInt(minor, 10), nil
	}
	ec := columndb.Column{Type: c.Type, Format: c.Format}
	v, err := ec.Normalize(raw)
	if err != nil {
		return "", err
	}
	if c.Type == columndb.TypeNumeric {
		if err := c.checkLength(v); err != nil {
			return "", err
		}
	}
	return v, nil
}

// checkLength applies a ref column's DTMF bounds to stored values too: a
// value no caller could key is refused at upload, not discovered on a call.
func (c *Column) checkLength(s string) error {
	if !c.IVRField.IsRef() || c.MinDTMF == 0 {
		return nil
	}
	if len(s) < c.MinDTMF || len(s) > c.MaxDTMF {
		if c.MinDTMF == c.MaxDTMF {
			return &columndb.ValueError{Reason: fmt.Sprintf("expected %d digits, got %d", c.MinDTMF, len(s))}
		}
		return &columndb.ValueError{Reason: fmt.Sprintf("expected %d to %d digits, got %d", c.MinDTMF, c.MaxDTMF, len(s))}
	}
	return nil
}
