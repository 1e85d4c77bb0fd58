//go:build !unix

package columndb

// heldByOther cannot look without flock; Badger still refuses a held
// store, in its own words.
func heldByOther(string) bool { return false }
