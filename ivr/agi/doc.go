// Package agi is tonebase's Asterisk face: a FastAGI server over the one
// call flow (package callflow). A dialplan's AGI(agi://host:4573/lookup?…)
// looks a caller up from refs the dialplan gathered and sets channel
// variables; AGI(agi://host:4573/flow?…) runs the whole flow itself with
// GET DATA and SAY NUMBER and sets the same variables at the end.
//
// The session's wire (the agi_ environment and every command's reply) is
// parsed strictly, and a session that breaks it, goes silent or outlives
// its welcome is dropped alone: one bad call never holds up another. The
// keypad rules, the lockout and the amounts are the flow's and the lookup
// service's; this package only speaks AGI.
package agi
