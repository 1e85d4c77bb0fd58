package onepay

import "testing"

func TestTrack2(t *testing.T) {
	for _, tc := range []struct {
		name, track    string
		number, expiry string
		ok             bool
	}{
		{"with sentinels", ";4111111111111111=30121010000000000000?", "4111111111111111", "1230", true},
		{"without sentinels", "4111111111111111=3012101", "4111111111111111", "1230", true},
		{"expiry alone after the separator", ";5555555555554444=2811?", "5555555555554444", "1128", true},
		{"track 1", "%B4111111111111111^SMIRES/THAMI^30121010000000000000?", "", "", false},
		{"combined tracks", "%B4111111111111111^SMIRES/THAMI^3012101?;4111111111111111=3012101?", "", "", false},
		{"encrypted block", "02A3008801C0000000000A6BF6A1A7D2B9E6F", "", "", false},
		{"no separator", ";4111111111111111?", "", "", false},
		{"short number", ";411111111111=3012101?", "", "", false},
		{"letters after the separator", ";4111111111111111=30AB?", "", "", false},
		{"expiry cut short", ";4111111111111111=301?", "", "", false},
		{"empty", "", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, e, ok := track2(tc.track)
			if n != tc.number || e != tc.expiry || ok != tc.ok {
				t.Fatalf("track2 = %q, %q, %v; want %q, %q, %v", n, e, ok, tc.number, tc.expiry, tc.ok)
			}
		})
	}
}
