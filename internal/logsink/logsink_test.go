package logsink

import (
	"os"
	"testing"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name      string
		requested string
		terminal  bool
		want      string
		wantErr   bool
	}{
		{"auto on a terminal is console", Auto, true, Console, false},
		{"auto elsewhere is json", Auto, false, JSON, false},
		{"unset is auto", "", false, JSON, false},
		{"json on a terminal stays json", JSON, true, JSON, false},
		{"console into a pipe stays console", Console, false, Console, false},
		{"unknown", "text", true, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.requested, tt.terminal)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("Resolve(%q, %v) = %q, %v; want %q, error %v", tt.requested, tt.terminal, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestIsTerminal checks the files a service's stderr usually is: none of
// them is a terminal, /dev/null included, although it is a character
// device.
func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	file, err := os.Create(t.TempDir() + "/log")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, f := range map[string]*os.File{"pipe": w, "/dev/null": null, "file": file} {
		if IsTerminal(f) {
			t.Errorf("%s is taken for a terminal", name)
		}
	}
	// A pseudo-terminal, where the machine gives one.
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !IsTerminal(tty) {
			t.Error("/dev/tty is not taken for a terminal")
		}
	}
}
