package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestReadmeGetsANewcomerStarted checks what the README tells a newcomer
// against what is so: the Go version go.mod asks for, a build of the
// binary the commands run, a quick start without go run (which does not
// pass a signal on to the server when run in the background), and the
// unit of the access log's duration.
func TestReadmeGetsANewcomerStarted(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	text := string(readme)
	start, _, _ := strings.Cut(text[strings.Index(text, "## Quick start"):], "\n## ")
	for _, want := range []string{"Go " + string(m[1]) + " or later", "go build -o tonebase ./cmd/tonebase", "./tonebase serve --demo"} {
		if !strings.Contains(start, want) {
			t.Errorf("the quick start does not say %q", want)
		}
	}
	if strings.Contains(start, "\ngo run") || !strings.Contains(start, "`go run` stays as the server's parent") {
		t.Error("the quick start runs the server with go run, or does not say why not")
	}
	// zerolog writes a Dur field in DurationFieldUnit, as a decimal unless
	// DurationFieldInteger: what the README says of the access log.
	if zerolog.DurationFieldUnit != time.Millisecond || zerolog.DurationFieldInteger {
		t.Fatalf("the access log's duration is now in %v (integer %v); say so in the README", zerolog.DurationFieldUnit, zerolog.DurationFieldInteger)
	}
	if !strings.Contains(text, "`duration` in milliseconds as a decimal number") {
		t.Error("the README does not give the access log's duration unit")
	}
}
