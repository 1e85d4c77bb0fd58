//go:build !linux || !(amd64 || arm64)

package bench

// probeLoop sends spec's lookups through fasthttp's client in turns of a
// second until quit is closed, where the raw loop of rawloop_linux.go is
// not built.
func probeLoop(spec ProbeSpec, quit <-chan struct{}) (Stats, error) {
	return probeTurns(spec, quit), nil
}
