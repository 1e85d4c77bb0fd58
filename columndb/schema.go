package columndb

import (
	"fmt"
	"strings"
	"time"
)

// IVRField is the part a column plays in a call: an identifier the caller
// keys (ref1–ref3, asked in that order) or an amount read back to them.
type IVRField string

// The IVR control fields an admin can choose.
const (
	IVRNone       IVRField = "none"
	IVRRef1       IVRField = "ref1"
	IVRRef2       IVRField = "ref2"
	IVRRef3       IVRField = "ref3"
	IVRBalance    IVRField = "balance"
	IVRMinPayment IVRField = "min_payment"
	IVRMaxPayment IVRField = "max_payment"
)

// IVRFields lists the control fields in the order an admin sees them.
var IVRFields = []IVRField{IVRNone, IVRRef1, IVRRef2, IVRRef3, IVRBalance, IVRMinPayment, IVRMaxPayment}

// RefFields are the identifiers a caller keys, in the order they are asked.
var RefFields = []IVRField{IVRRef1, IVRRef2, IVRRef3}

// IsRef reports whether the field is one the caller keys.
func (f IVRField) IsRef() bool { return f == IVRRef1 || f == IVRRef2 || f == IVRRef3 }

// MaxDTMFLimit is the longest input any ref column may ask for.
const MaxDTMFLimit = 32

// Column is one field of a table, as the admin defines it.
type Column struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Type       Type       `json:"type"`
	Format     DateFormat `json:"format,omitempty"`
	Visible    bool       `json:"visible"`
	Required   bool       `json:"required"`
	PrimaryKey bool       `json:"primary_key"`
	IVRField   IVRField   `json:"ivr_field"`
	MinDTMF    int        `json:"min_dtmf,omitempty"`
	MaxDTMF    int        `json:"max_dtmf,omitempty"`
}

// Index keeps rows findable by some columns' values without a scan.
type Index struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Unique  bool     `json:"unique,omitempty"`
}

// Table is a schema and where its rows live. Tenant is the owning client;
// Name is unique within the tenant ("ivr/12" for caller database 12).
type Table struct {
	Tenant      int64     `json:"tenant"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Columns     []Column  `json:"columns"`
	Indexes     []Index   `json:"indexes,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	// Number prefixes every key of the table; a dropped and recreated
	// table gets a new one, so nothing of the old can leak into it.
	Number uint32 `json:"number"`

	// Built on load by index(), and read on every lookup: column positions
	// by canonical id, the primary-key and ref positions, and whether the
	// refs hold the whole primary key.
	byID        map[string]int
	pk, refs    []int
	keyedByRefs bool
}

// LookupIndex is the name of the index columndb keeps over a caller
// database's ref columns; the IVR finds callers through it.
const LookupIndex = "lookup"

// SchemaError lists every rule a schema breaks, so an admin fixes them in one go.
type SchemaError struct{ Problems []string }

func (e *SchemaError) Error() string {
	return "columndb: invalid schema: " + strings.Join(e.Problems, "; ")
}

// CanonicalColumnID returns "colA"-style ids for any casing ("COLa", "ColAA"),
// and false if s is not col followed by one or two letters.
func CanonicalColumnID(s string) (string, bool) {
	if len(s) < 4 || len(s) > 5 || !strings.EqualFold(s[:3], "col") {
		return "", false
	}
	b := []byte("col")
	for i := 3; i < len(s); i++ {
		c := s[i] &^ 0x20 // upper-case ASCII letters
		if c < 'A' || c > 'Z' {
			return "", false
		}
		b = append(b, c)
	}
	return string(b), true
}

// ColumnIndex returns the position of a column by id, in any casing.
func (t *Table) ColumnIndex(id string) (int, bool) {
	if t.byID == nil {
		t.index()
	}
	if i, ok := t.byID[id]; ok {
		return i, true
	}
	if canon, ok := CanonicalColumnID(id); ok {
		i, ok := t.byID[canon]
		return i, ok
	}
	return 0, false
}

func (t *Table) index() {
	t.byID = make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		t.byID[c.ID] = i
	}
	t.pk, t.refs, t.keyedByRefs = primaryKey(t.Columns), refColumns(t), KeyedByRefs(t.Columns)
}

// Field returns the column that plays an IVR role.
func (t *Table) Field(f IVRField) (int, bool) {
	for i := range t.Columns {
		if t.Columns[i].IVRField == f {
			return i, true
		}
	}
	return 0, false
}

// PrimaryKey returns the positions of the identifier columns in column
// order. The slice is shared: callers must not modify it.
func (t *Table) PrimaryKey() []int {
	if t.byID != nil {
		return t.pk
	}
	return primaryKey(t.Columns)
}

func primaryKey(cols []Column) []int {
	var pk []int
	for i := range cols {
		if cols[i].PrimaryKey {
			pk = append(pk, i)
		}
	}
	return pk
}

// KeyedByRefs reports whether the refs a caller keys hold the table's
// whole primary key, so a lookup is one point read.
func (t *Table) KeyedByRefs() bool {
	if t.byID != nil {
		return t.keyedByRefs
	}
	return KeyedByRefs(t.Columns)
}

// normalizeColumns canonicalises ids and fills defaults in place, so stored
// schemas read the same however the admin spelled them.
func normalizeColumns(cols []Column) {
	for i := range cols {
		c := &cols[i]
		if id, ok := CanonicalColumnID(strings.TrimSpace(c.ID)); ok {
			c.ID = id
		}
		c.Name = strings.TrimSpace(c.Name)
		c.Type = Type(strings.ToLower(string(c.Type)))
		if c.IVRField == "" {
			c.IVRField = IVRNone
		}
		c.IVRField = IVRField(strings.ToLower(string(c.IVRField)))
		c.Format = DateFormat(strings.ToUpper(string(c.Format)))
		if c.Type == TypeDate && c.Format == "" {
			c.Format = DDMMYYYY
		}
		if c.IVRField.IsRef() && c.Type == TypeDate && c.MinDTMF == 0 && c.MaxDTMF == 0 {
			c.MinDTMF, c.MaxDTMF = 8, 8
		}
	}
}

// ValidateColumns checks a caller database's columns against every schema
// rule and returns all the problems found, each naming its column.
func ValidateColumns(cols []Column) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if len(cols) == 0 {
		return []string{"a database needs at least one column"}
	}
	seen := map[string]bool{}
	roles := map[IVRField]string{}
	pk := 0
	for i, c := range cols {
		label := c.ID
		if _, ok := CanonicalColumnID(c.ID); !ok {
			label = fmt.Sprintf("column %d", i+1)
			add("%s: id %q must be col followed by one or two letters (colA, colAB)", label, c.ID)
		} else if seen[c.ID] {
			add("%s: id is used twice", label)
		}
		seen[c.ID] = true
		if c.Name == "" {
			add("%s: name is required", label)
		} else if len(c.Name) > 100 {
			add("%s: name is longer than 100 characters", label)
		}
		if !oneOf(c.Type, Types) {
			add("%s: type %q must be one of %s", label, c.Type, list(Types))
		}
		if c.Type == TypeDate && !oneOf(c.Format, DateFormats) {
			add("%s: format %q must be one of %s", label, c.Format, list(DateFormats))
		}
		if c.Type != TypeDate && c.Format != "" {
			add("%s: format applies only to date columns", label)
		}
		if c.PrimaryKey {
			pk++
			if !c.Required {
				add("%s: a primary key column must be required", label)
			}
		}
		if !oneOf(c.IVRField, IVRFields) {
			add("%s: ivr_field %q must be one of %s", label, c.IVRField, list(IVRFields))
			continue
		}
		if c.IVRField != IVRNone {
			if other, dup := roles[c.IVRField]; dup {
				add("%s: ivr_field %s is already played by %s", label, c.IVRField, other)
			}
			roles[c.IVRField] = label
		}
		switch {
		case c.IVRField.IsRef():
			if c.Type != TypeNumeric && c.Type != TypeDate {
				add("%s: %s is keyed on a phone keypad, so its type must be numeric or date", label, c.IVRField)
			}
			if !c.Required {
				add("%s: %s must be required: a row without it can never be found by a caller", label, c.IVRField)
			}
			if c.MinDTMF < 1 || c.MinDTMF > MaxDTMFLimit || c.MaxDTMF < 1 || c.MaxDTMF > MaxDTMFLimit {
				add("%s: min_dtmf and max_dtmf must be between 1 and %d", label, MaxDTMFLimit)
			} else if c.MinDTMF > c.MaxDTMF {
				add("%s: min_dtmf %d is more than max_dtmf %d", label, c.MinDTMF, c.MaxDTMF)
			} else if c.Type == TypeDate && (c.MinDTMF != 8 || c.MaxDTMF != 8) {
				add("%s: a date is keyed as 8 digits, so min_dtmf and max_dtmf must be 8", label)
			}
		case c.IVRField != IVRNone:
			if c.Type != TypeCurrency {
				add("%s: %s is an amount, so its type must be currency", label, c.IVRField)
			}
			fallthrough
		default:
			if c.MinDTMF != 0 || c.MaxDTMF != 0 {
				add("%s: min_dtmf and max_dtmf apply only to ref1, ref2 and ref3 columns", label)
			}
		}
	}
	if pk == 0 {
		add("at least one column must be a primary key (identifier)")
	}
	if roles[IVRRef3] != "" && roles[IVRRef2] == "" {
		add("ref3 needs a ref2: callers are asked for refs in order")
	}
	if roles[IVRRef2] != "" && roles[IVRRef1] == "" {
		add("ref2 needs a ref1: callers are asked for refs in order")
	}
	return p
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

func list[T ~string](set []T) string {
	s := make([]string, len(set))
	for i, v := range set {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// lookupIndex derives the index over ref1..refN that caller lookups use.
func lookupIndex(cols []Column) (Index, bool) {
	idx := Index{Name: LookupIndex}
	for _, f := range RefFields {
		for _, c := range cols {
			if c.IVRField == f {
				idx.Columns = append(idx.Columns, c.ID)
			}
		}
	}
	return idx, len(idx.Columns) > 0
}

// CheckCallerColumns canonicalises a caller database's columns in place
// (ids, casing, defaults) and returns every rule they break.
func CheckCallerColumns(cols []Column) []string {
	normalizeColumns(cols)
	return ValidateColumns(cols)
}

// CallerLookupIndex is the index a caller database needs for IVR lookups,
// and false if it needs none: when it has no ref columns, or when every
// primary-key column is a ref, because then the primary key itself finds the
// caller in one point read and a second index would only double every write.
func CallerLookupIndex(cols []Column) (Index, bool) {
	if KeyedByRefs(cols) {
		return Index{}, false
	}
	return lookupIndex(cols)
}

// KeyedByRefs reports whether every primary-key column is a ref column, so
// a caller's keyed refs contain the whole primary key.
func KeyedByRefs(cols []Column) bool {
	pk := 0
	for _, c := range cols {
		if c.PrimaryKey {
			if !c.IVRField.IsRef() {
				return false
			}
			pk++
		}
	}
	return pk > 0
}

// RefColumns returns the positions of the ref columns in the order callers
// are asked for them (ref1, ref2, ref3). The slice is shared: callers must
// not modify it.
func (t *Table) RefColumns() []int {
	if t.byID != nil {
		return t.refs
	}
	return refColumns(t)
}

func refColumns(t *Table) []int {
	var out []int
	for _, f := range RefFields {
		if i, ok := t.Field(f); ok {
			out = append(out, i)
		}
	}
	return out
}
