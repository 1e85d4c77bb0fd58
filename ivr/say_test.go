package ivr

import "testing"

func TestSayPounds(t *testing.T) {
	tests := []struct {
		minor int64
		want  string
	}{
		{0, "zero pounds"},
		{1, "one penny"},
		{50, "fifty pence"},
		{100, "one pound"},
		{1250, "twelve pounds and fifty pence"},
		{10501, "one hundred and five pounds and one penny"},
		{123456, "one thousand two hundred and thirty-four pounds and fifty-six pence"},
		{100000000, "one million pounds"},
		{-500, "minus five pounds"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := SayPounds(tt.minor); got != tt.want {
				t.Fatalf("SayPounds(%d) = %q, want %q", tt.minor, got, tt.want)
			}
		})
	}
}
