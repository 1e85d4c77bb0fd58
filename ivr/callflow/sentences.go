package callflow

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
)

// Sentences are every sentence a caller hears, in one language. A
// sentence names what it fills in braces: {name} is a ref column's display
// name, {digits}, {min} and {max} its lengths, {got} what was keyed,
// {order} a date's order, {amount}, {min} and {max} amounts as phrases.
type Sentences struct {
	lang money.Language

	PromptDigits string // a ref of one length
	PromptRange  string // a ref of a range of lengths
	PromptDate   string // a date ref, keyed in {order}

	DayMonthYear, MonthDayYear, YearMonthDay string // the date orders

	Missing     string // nothing keyed
	NotDigits   string // '*' or anything but digits
	WrongLength string // too short or long, for a ref of one length
	WrongRange  string // too short or long, for a range
	Digit       string // "{n} digit", for {got}
	Digits      string // "{n} digits", for {got}
	BadDate     string // eight digits that are no date
	NotValid    string // what a platform's own grammar refused, reason unknown

	TooManyTries string // the third refusal of a ref
	Goodbye      string // every call's last words

	Balance    string // found: {amount}
	PayBetween string // found: {min} and {max}
	PayAtLeast string // found: {min}, the maximum being the balance
	PayAtMost  string // found: {max}, the minimum being the balance
	NoBalance  string // not payable: nothing owed
	MinOverMax string // not payable: the merchant's amounts do not allow a payment
	NotFound   string // no caller: never says which ref was wrong
	Locked     string // too many misses: never says which ref was wrong
	Ambiguous  string // more than one caller
	Failed     string // tonebase could not answer

	// KeepNameCase leaves display names as the admin wrote them; English,
	// Spanish and French lower-case them inside a sentence ("your invoice
	// number"), German capitalises its nouns.
	KeepNameCase bool
}

// english is British and American English alike: the amounts' phrases
// are where they differ.
var english = Sentences{
	PromptDigits: "Please enter your {digits} digit {name}, then press hash.",
	PromptRange:  "Please enter your {name}, {min} to {max} digits, then press hash.",
	PromptDate:   "Please enter your {name} as 8 digits, {order}, then press hash.",
	DayMonthYear: "day, month and year", MonthDayYear: "month, day and year", YearMonthDay: "year, month and day",
	Missing:     "We did not receive any digits.",
	NotDigits:   "Please use only the number keys.",
	WrongLength: "That was {got}; your {name} has {digits}.",
	WrongRange:  "That was {got}; your {name} has {min} to {max} digits.",
	Digit:       "{n} digit", Digits: "{n} digits",
	BadDate:      "That is not a valid date.",
	NotValid:     "That is not a valid {name}.",
	TooManyTries: "Sorry, we could not take your details.",
	Goodbye:      "Thank you for calling. Goodbye.",
	Balance:      "Your balance is {amount}.",
	PayBetween:   "You may pay between {min} and {max}.",
	PayAtLeast:   "The least you may pay is {min}.",
	PayAtMost:    "The most you may pay is {max}.",
	NoBalance:    "There is nothing to pay on this account.",
	MinOverMax:   "This account cannot be paid by phone. Please contact us.",
	NotFound:     "We could not find an account with those details.",
	Locked:       "There have been too many attempts. Please try again later.",
	Ambiguous:    "We could not identify your account from those details. Please contact us.",
	Failed:       "Sorry, we cannot take your call right now. Please try again later.",
}

// tables are the sentences of every language tonebase speaks.
var tables = map[money.Language]Sentences{
	money.EnGB: english,
	money.EnUS: english,
}

// sentencesFor returns lang's sentences; British English for a language
// without a table.
func sentencesFor(lang money.Language) Sentences {
	s, ok := tables[lang]
	if !ok {
		lang = money.EnGB
		s = tables[lang]
	}
	s.lang = lang
	return s
}

// SentencesFor returns the sentences a call in lang is told with.
func SentencesFor(lang money.Language) Sentences { return sentencesFor(lang) }

// Language is the language the sentences are in.
func (s Sentences) Language() money.Language { return s.lang }

// fill replaces each {key} of tmpl with its value; kv alternates keys and
// values.
func fill(tmpl string, kv ...string) string {
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}

// name is a column's display name as it sits inside a sentence.
func (s Sentences) name(col *ivr.Column) string {
	if s.KeepNameCase {
		return col.Name
	}
	words := strings.Fields(col.Name)
	for i, w := range words {
		if !shouted(w) {
			words[i] = strings.ToLower(w)
		}
	}
	return strings.Join(words, " ")
}

// shouted reports whether a word is an acronym ("DOB", "PIN"): kept as
// written, so a TTS engine spells it.
func shouted(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters > 1 || (letters == 1 && utf8.RuneCountInString(w) > 1)
}

// prompt asks for a ref.
func (s Sentences) prompt(col *ivr.Column) string {
	name := s.name(col)
	switch {
	case col.Type == columndb.TypeDate:
		return fill(s.PromptDate, "name", name, "order", s.order(col.Format))
	case col.MinDTMF == col.MaxDTMF:
		return fill(s.PromptDigits, "name", name, "digits", strconv.Itoa(col.MaxDTMF))
	}
	return fill(s.PromptRange, "name", name, "min", strconv.Itoa(col.MinDTMF), "max", strconv.Itoa(col.MaxDTMF))
}

func (s Sentences) order(f columndb.DateFormat) string {
	switch f {
	case columndb.MMDDYYYY:
		return s.MonthDayYear
	case columndb.YYYYMMDD:
		return s.YearMonthDay
	}
	return s.DayMonthYear
}

// refusal says why a ref's entry was refused; got is how many keys were
// pressed.
func (s Sentences) refusal(e *ivr.InputError, col *ivr.Column, got int) string {
	switch e.Reason {
	case ivr.ReasonMissing:
		return s.Missing
	case ivr.ReasonNotDigits:
		return s.NotDigits
	case ivr.ReasonBadDate:
		return s.BadDate
	}
	unit := s.Digits
	if got == 1 {
		unit = s.Digit
	}
	gotText := fill(unit, "n", strconv.Itoa(got))
	if e.Min == e.Max {
		return fill(s.WrongLength, "got", gotText, "name", s.name(col), "digits", strconv.Itoa(e.Max))
	}
	return fill(s.WrongRange, "got", gotText, "name", s.name(col), "min", strconv.Itoa(e.Min), "max", strconv.Itoa(e.Max))
}
