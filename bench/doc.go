// Package bench measures tonebase as a whole, over TCP loopback: signed
// ingest, lookups at fixed concurrency and at a fixed rate, lookups while a
// large upload runs, and the ceilings each is compared with in the same run
// (a fasthttp handler answering a constant body; a Badger WriteBatch).
// cmd/loadtest prints the report; the tests here run it small.
package bench
