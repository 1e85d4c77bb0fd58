// Package columndb is tonebase's storage engine: tables whose columns an
// admin or the code defines, value normalisation per data type, row encoding,
// the Badger key layout, upserts and deletes by primary key with their
// indexes kept in step, and ordered, paged scans. It is the only package that
// imports Badger; everything above it speaks in tables, rows and errors of
// its own.
package columndb
