//go:build !linux

package schedslice

import "time"

// Set reports ErrUnsupported: only Linux takes a requested slice.
func Set(d time.Duration) error { return ErrUnsupported }

// Reset does nothing: no slice was taken.
func Reset() error { return nil }

// SetRealtime reports ErrUnsupported: the prober's real-time priority is
// set through Linux's sched_setattr.
func SetRealtime(prio int) error { return ErrUnsupported }

// Supported is false: only Linux takes a requested slice.
func Supported() bool { return false }
