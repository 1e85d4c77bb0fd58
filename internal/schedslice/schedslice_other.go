//go:build !linux

package schedslice

import "time"

// Set reports ErrUnsupported: only Linux takes a requested slice.
func Set(d time.Duration) error { return ErrUnsupported }
