package money

import "strconv"

// FormatMinor renders minor units as a plain decimal amount ("12.50").
func FormatMinor(minor int64) string { return string(AppendMinor(nil, minor)) }

// AppendMinor appends FormatMinor(minor) to dst; the lookup path renders
// every amount this way without allocating.
func AppendMinor(dst []byte, minor int64) []byte {
	u := uint64(minor)
	if minor < 0 {
		dst = append(dst, '-')
		u = -u // two's complement: right for math.MinInt64 too
	}
	dst = strconv.AppendUint(dst, u/100, 10)
	return append(dst, '.', byte('0'+u%100/10), byte('0'+u%10))
}
