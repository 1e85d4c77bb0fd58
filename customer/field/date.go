package field

import (
	"errors"
	"time"
)

// ErrDayKey is the reason a stored day that is not YYYYMMDD gets.
var ErrDayKey = errors.New("field: not a stored day (YYYYMMDD)")

// DaysIn is the number of days in month m of year y.
func DaysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Day truncates t to its calendar day in UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DayKey stores a calendar day as YYYYMMDD: sortable as text.
func DayKey(d time.Time) string { return d.Format("20060102") }

// ParseDayKey reads what DayKey wrote.
func ParseDayKey(s string) (time.Time, error) {
	d, err := time.Parse("20060102", s)
	if err != nil {
		return time.Time{}, ErrDayKey
	}
	return d, nil
}
