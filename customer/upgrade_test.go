package customer

import (
	"slices"
	"testing"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// TestTablesUpgradeFromTheFirstRelease: a store whose tables were made
// before customers could be deleted softly or go without a number (the
// number required, no Deleted column, plans without their later columns)
// opens with today's definitions, keeping its rows.
func TestTablesUpgradeFromTheFirstRelease(t *testing.T) {
	store, err := columndb.Open(columndb.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	old := schema.CustomerTable(7)
	old.Columns = slices.DeleteFunc(old.Columns, func(c columndb.Column) bool {
		return c.ID == schema.CustDeleted || c.ID == schema.CustDeletedNumber
	})
	for i := range old.Columns {
		if old.Columns[i].ID == schema.CustNumber {
			old.Columns[i].Required = true
		}
	}
	oldPlans := schema.PlanTable(7)
	oldPlans.Columns = oldPlans.Columns[:len(oldPlans.Columns)-3]
	for _, def := range []columndb.Table{old, oldPlans} {
		if _, err := store.CreateTable(def); err != nil {
			t.Fatal(err)
		}
	}
	s := New(Config{Store: store})
	ts, err := s.tenant(7)
	if err != nil {
		t.Fatalf("tables made by the first release do not open: %v", err)
	}
	if _, ok := ts.customers.ColumnIndex(schema.CustDeleted); !ok {
		t.Fatal("the customers table was not upgraded")
	}
	r, err := s.CreateCustomer(7, CustomerInput{NumberOptional: true}, Idem{})
	if err != nil {
		t.Fatalf("a customer without a number on an upgraded table: %v", err)
	}
	if _, err := s.DeleteCustomer(7, r.ID); err != nil {
		t.Fatal(err)
	}
}
