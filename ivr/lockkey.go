package ivr

// Partition puts a key in its client's share of the lockout, so one
// client's callers can never push another's failures out.
func (k lockKey) Partition() int64 { return k.cid }
