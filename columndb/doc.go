// Package columndb is tonebase's storage engine: tables whose columns their
// owner (an admin, or the code) defines, value normalisation per data type,
// row encoding, the Badger key layout, upserts and deletes by primary key
// with their indexes kept in step, ordered, paged scans, small documents and
// sequences. Every write is a prepared Batch applied atomically by
// Store.Apply. What a column means to its owner (a caller database's roles
// and digit ranges) the engine stores in Column.Attrs and never reads; an
// owner checks its own rules and derives what it needs once per table
// definition (Table.Derived). It is the only package that imports Badger;
// everything above it speaks in tables, rows and errors of its own.
package columndb
