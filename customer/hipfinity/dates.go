package hipfinity

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/customer/field"
)

// ErrDate is the reason every malformed date gets: it names the formats.
var ErrDate = errors.New("hipfinity: not a date: use M/d/yyyy or M/d/yy (2/28/2024, 2/28/24)")

// dotNetDateTime is how the API writes timestamps: .NET's en-US general
// format, no leading zeros, 12-hour clock.
const dotNetDateTime = "1/2/2006 3:04:05 PM"

// FormatDateTime renders t the way the API answers (6/18/2020 4:43:18 PM), in UTC.
func FormatDateTime(t time.Time) string { return t.UTC().Format(dotNetDateTime) }

// FormatDate renders a calendar date as the API does: midnight of that day.
func FormatDate(d time.Time) string { return d.Format("1/2/2006") + " 12:00:00 AM" }

// FormatShortDate renders a calendar date as M/d/yyyy, the form ParseDate reads.
func FormatShortDate(d time.Time) string { return d.Format("1/2/2006") }

// ParseDate reads M/d/yy or M/d/yyyy, as integrations send dates, and also
// the M/d/yyyy h:mm:ss AM form the API itself writes, so a value read back
// can be sent again. A two-digit year follows .NET's default window: 00–49
// is 2000–2049, 50–99 is 1950–1999. The result is midnight UTC.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	date, clock, hasClock := strings.Cut(s, " ")
	if hasClock && !validClock(strings.TrimSpace(clock)) {
		return time.Time{}, ErrDate
	}
	parts := strings.Split(date, "/")
	if len(parts) != 3 {
		return time.Time{}, ErrDate
	}
	m, ok1 := smallInt(parts[0], 1, 2)
	d, ok2 := smallInt(parts[1], 1, 2)
	y, ok3 := smallInt(parts[2], 2, 4)
	if !ok1 || !ok2 || !ok3 || len(parts[2]) == 3 {
		return time.Time{}, ErrDate
	}
	if len(parts[2]) == 2 {
		if y < 50 {
			y += 2000
		} else {
			y += 1900
		}
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > field.DaysIn(time.Month(m), y) {
		return time.Time{}, ErrDate
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// validClock accepts h:mm:ss AM|PM (the API's own output); the time of day
// is not kept because every date the API takes in is a calendar day.
func validClock(s string) bool {
	hms, ampm, ok := strings.Cut(s, " ")
	if !ok || (ampm != "AM" && ampm != "PM") {
		return false
	}
	p := strings.Split(hms, ":")
	if len(p) != 3 {
		return false
	}
	h, ok1 := smallInt(p[0], 1, 2)
	mi, ok2 := smallInt(p[1], 2, 2)
	se, ok3 := smallInt(p[2], 2, 2)
	return ok1 && ok2 && ok3 && h >= 1 && h <= 12 && mi < 60 && se < 60
}

// smallInt parses a digit string of minLen to maxLen digits.
func smallInt(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen || !field.AllDigits(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
