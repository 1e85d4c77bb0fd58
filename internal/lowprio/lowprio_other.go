//go:build !linux

package lowprio

func isolate() bool { return false }
