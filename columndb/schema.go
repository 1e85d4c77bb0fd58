package columndb

import (
	"strings"
	"time"
)

// Column is one field of a table, as its owner defines it. The engine
// reads the fields named here; Attrs carries what only the owner reads.
type Column struct {
	ID         string
	Name       string
	Type       Type
	Format     DateFormat
	Visible    bool
	Required   bool
	PrimaryKey bool
	Attrs      Attrs
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
	Tenant      int64    `json:"tenant"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Columns     []Column `json:"columns"`
	Indexes     []Index  `json:"indexes,omitempty"`
	// Attrs are the owner's settings of the whole table (a caller
	// database's language and telephony settings), stored, never read.
	Attrs   Attrs     `json:"attrs,omitzero"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Number prefixes every key of the table; a dropped and recreated
	// table gets a new one, so nothing of the old can leak into it.
	Number uint32 `json:"number"`

	// Built on load by index(), and read on every lookup: column positions
	// by canonical id and the primary-key positions; and what owners
	// derive from this definition (Derived).
	byID    map[string]int
	pk      []int
	derived *derived
}

// LookupIndex is the name of the index a table's owner finds rows by when
// the columns it looks rows up by are not the whole primary key
// (LookupBy). A table whose lookup columns hold its primary key needs none:
// a point read, answered by the row cache, finds the row.
const LookupIndex = "lookup"

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
	t.pk = primaryKey(t.Columns)
	t.derived = &derived{}
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

// CoversPrimaryKey reports whether the columns at the given positions hold
// the table's whole primary key, so values for them find a row by one
// point read.
func CoversPrimaryKey(cols []Column, positions []int) bool {
	pk := 0
	for i, c := range cols {
		if !c.PrimaryKey {
			continue
		}
		pk++
		found := false
		for _, p := range positions {
			if p == i {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return pk > 0
}

// LookupBy returns the index named LookupIndex over the columns at the
// given positions, in that order, and false if the table needs none: when
// there are no such columns, or when they hold the whole primary key,
// because then the primary key itself finds the row in one point read and
// a second index would only double every write.
func LookupBy(cols []Column, positions []int) (Index, bool) {
	if len(positions) == 0 || CoversPrimaryKey(cols, positions) {
		return Index{}, false
	}
	idx := Index{Name: LookupIndex}
	for _, p := range positions {
		idx.Columns = append(idx.Columns, cols[p].ID)
	}
	return idx, true
}

// NormalizeColumns canonicalises ids and the casing of types and formats
// and fills defaults in place, so stored schemas read the same however
// their owner spelled them.
func NormalizeColumns(cols []Column) {
	for i := range cols {
		c := &cols[i]
		if id, ok := CanonicalColumnID(strings.TrimSpace(c.ID)); ok {
			c.ID = id
		}
		c.Name = strings.TrimSpace(c.Name)
		c.Type = Type(strings.ToLower(string(c.Type)))
		c.Format = DateFormat(strings.ToUpper(string(c.Format)))
		if c.Type == TypeDate && c.Format == "" {
			c.Format = DDMMYYYY
		}
	}
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// List joins a set of names for a reason text ("text, numeric, date").
func List[T ~string](set []T) string {
	s := make([]string, len(set))
	for i, v := range set {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
