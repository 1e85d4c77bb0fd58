package ivr

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
)

// Store is the part of columndb the caller-database service uses.
type Store interface {
	CreateTable(t columndb.Table) (*columndb.Table, error)
	GetTable(tenant int64, name string) (*columndb.Table, error)
	ListTables(tenant int64, prefix string) ([]*columndb.Table, error)
	UpdateTable(t columndb.Table, rules ...columndb.ChangeRule) (*columndb.Table, error)
	DropTable(tenant int64, name string) error
	RowCount(t *columndb.Table) (int64, error)
	NextID(name string, start int64) (int64, error)
	ReserveID(name string, id int64) error
	Upsert(t *columndb.Table, rows []columndb.Row) (columndb.UpsertResult, error)
	Delete(t *columndb.Table, rows []columndb.Row) (columndb.DeleteResult, error)
	Lookup(t *columndb.Table, index string, vals []string, limit int) ([]columndb.Row, error)
	Scan(t *columndb.Table, prefix, after string, limit int) (columndb.Page, error)
	Get(t *columndb.Table, pk ...string) (columndb.Row, error)
	Query(t *columndb.Table, q columndb.Query) (columndb.Result, error)
	EachValues(t *columndb.Table, fn func(vals [][]byte) (bool, error)) error
}

// Errors of the caller-database service; handlers map them to statuses.
var (
	ErrNoDatabase = errors.New("ivr: no such database")
	ErrInvalid    = errors.New("ivr: invalid request")
	ErrConflict   = errors.New("ivr: conflict")
)

// MaxDBID keeps database ids within what merchants' C# int holds.
const MaxDBID = 1<<31 - 1

// Database is a caller database as admins and merchants see it.
type Database struct {
	CID         int64    `json:"cid"`
	DBID        int64    `json:"dbid"`
	Description string   `json:"description"`
	Columns     []Column `json:"columns"`
	Telephony
	Rows    int64     `json:"rows"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// DatabaseSpec is what an admin sends to define or redefine a database.
type DatabaseSpec struct {
	DBID        int64    `json:"dbid,omitempty"`
	Description string   `json:"description"`
	Columns     []Column `json:"columns"`
	Telephony
}

// tablePrefix names caller databases in the store; the zero padding makes
// the catalog list them in dbid order.
const tablePrefix = "ivr/"

// tableName is the store's name for a database: the dbid zero-padded so
// that names sort in dbid order. Built without fmt: every lookup needs it.
func tableName(dbid int64) string {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], dbid, 10)
	var b [len(tablePrefix) + 20]byte
	out := append(b[:0], tablePrefix...)
	for i := len(d); i < 10; i++ {
		out = append(out, '0')
	}
	return string(append(out, d...))
}

func dbidOf(name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimPrefix(name, tablePrefix), 10, 64)
	return n
}

// Catalog defines and finds caller databases.
type Catalog struct{ store Store }

// NewCatalog returns a catalog over store.
func NewCatalog(store Store) *Catalog { return &Catalog{store: store} }

// table checks a definition against the caller-database rules and builds
// the engine's table from it: the caller rules become column attributes,
// and the lookup index is added where the refs are not the primary key.
func (c *Catalog) table(spec DatabaseSpec, cid int64) (columndb.Table, error) {
	spec.Description = strings.TrimSpace(spec.Description)
	var problems []columndb.Problem
	if spec.Description == "" || len(spec.Description) > 200 {
		problems = append(problems, columndb.Problem{Field: "description", Code: columndb.CodeInvalid,
			Reason: "description must be 1 to 200 characters"})
	}
	cols := slices.Clone(spec.Columns)
	for i := range cols {
		cols[i].normalize()
	}
	problems = append(problems, checkColumns(cols)...)
	spec.Telephony.normalize()
	problems = append(problems, spec.Telephony.check()...)
	t := columndb.Table{Tenant: cid, Description: spec.Description, Columns: make([]columndb.Column, len(cols))}
	if len(problems) > 0 {
		return t, &columndb.SchemaError{Problems: problems}
	}
	attrs, err := spec.Telephony.attrs()
	if err != nil {
		return t, err
	}
	t.Attrs = attrs
	for i, col := range cols {
		ec, err := col.engine()
		if err != nil {
			return t, err
		}
		t.Columns[i] = ec
	}
	if idx, ok := lookupIndex(t.Columns, cols); ok {
		t.Indexes = []columndb.Index{idx}
	}
	return t, nil
}

// Create defines a new database for cid; dbid 0 takes the next free id.
func (c *Catalog) Create(cid int64, spec DatabaseSpec) (Database, error) {
	t, err := c.table(spec, cid)
	if err != nil {
		return Database{}, err
	}
	seq := fmt.Sprintf("ivr-dbid/%d", cid)
	dbid := spec.DBID
	switch {
	case dbid < 0 || dbid > MaxDBID:
		return Database{}, fmt.Errorf("%w: dbid must be between 1 and %d", ErrInvalid, MaxDBID)
	case dbid == 0:
		if dbid, err = c.store.NextID(seq, 0); err != nil {
			return Database{}, err
		}
	default:
		if err := c.store.ReserveID(seq, dbid); err != nil {
			return Database{}, err
		}
	}
	t.Name = tableName(dbid)
	tt, err := c.store.CreateTable(t)
	if errors.Is(err, columndb.ErrExists) {
		return Database{}, fmt.Errorf("%w: database %d already exists", ErrConflict, dbid)
	}
	if err != nil {
		return Database{}, err
	}
	return c.view(tt, 0), nil
}

// Table returns the store table behind a database.
func (c *Catalog) Table(cid, dbid int64) (*columndb.Table, error) {
	if dbid <= 0 || dbid > MaxDBID {
		return nil, ErrNoDatabase
	}
	t, err := c.store.GetTable(cid, tableName(dbid))
	if errors.Is(err, columndb.ErrNotFound) {
		return nil, ErrNoDatabase
	}
	return t, err
}

// Get returns a database with its row count.
func (c *Catalog) Get(cid, dbid int64) (Database, error) {
	t, err := c.Table(cid, dbid)
	if err != nil {
		return Database{}, err
	}
	n, err := c.store.RowCount(t)
	if err != nil {
		return Database{}, err
	}
	return c.view(t, n), nil
}

// List returns a client's databases in dbid order.
func (c *Catalog) List(cid int64) ([]Database, error) {
	ts, err := c.store.ListTables(cid, tablePrefix)
	if err != nil {
		return nil, err
	}
	out := make([]Database, 0, len(ts))
	for _, t := range ts {
		n, err := c.store.RowCount(t)
		if err != nil {
			return nil, err
		}
		out = append(out, c.view(t, n))
	}
	return out, nil
}

// Update redefines a database. Changes stored rows would not survive are
// refused with ErrConflict and the reasons.
func (c *Catalog) Update(cid, dbid int64, spec DatabaseSpec) (Database, error) {
	if _, err := c.Table(cid, dbid); err != nil {
		return Database{}, err
	}
	t, err := c.table(spec, cid)
	if err != nil {
		return Database{}, err
	}
	t.Name = tableName(dbid)
	tt, err := c.store.UpdateTable(t, refChangeRule)
	if errors.Is(err, columndb.ErrIncompatible) {
		return Database{}, fmt.Errorf("%w: %w", ErrConflict, err)
	}
	if err != nil {
		return Database{}, err
	}
	return c.Get(cid, dbidOf(tt.Name))
}

// Delete drops a database and its rows.
func (c *Catalog) Delete(cid, dbid int64) error {
	if _, err := c.Table(cid, dbid); err != nil {
		return err
	}
	return c.store.DropTable(cid, tableName(dbid))
}

// Rows pages a database's rows in primary-key order, as values by column id.
func (c *Catalog) Rows(cid, dbid int64, prefix, after string, limit int) ([]map[string]string, string, error) {
	t, err := c.Table(cid, dbid)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	page, err := c.store.Scan(t, prefix, after, limit)
	if errors.Is(err, columndb.ErrCursor) {
		return nil, "", fmt.Errorf("%w: after is not a cursor this server handed out", ErrInvalid)
	}
	if err != nil {
		return nil, "", err
	}
	rows := make([]map[string]string, len(page.Rows))
	for i, r := range page.Rows {
		rows[i] = r.Map(t)
	}
	return rows, page.Next, nil
}

func (c *Catalog) view(t *columndb.Table, rows int64) Database {
	// The compiled columns are shared with every lookup: the view gets a
	// copy, as the admin defined them.
	cols := slices.Clone(schemaOf(t).cols)
	for i := range cols {
		cols[i].amountsIn = nil
	}
	return Database{CID: t.Tenant, DBID: dbidOf(t.Name), Description: t.Description, Columns: cols,
		Telephony: telephonyOf(t), Rows: rows, Created: t.Created, Updated: t.Updated}
}
