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

	// Paying in the call, once a caller is found (platforms that take
	// card payments: Twilio's <Pay>). Amounts are keyed in minor units.
	PayChoice      string // {amount}: 1 pays it, 2 keys another amount
	PayKeyAmount   string // {min}, {max}, and {example} keyed as {digits}
	PayChoiceAgain string // a key other than 1 or 2
	PayOutOfRange  string // {amount} keyed is not between {min} and {max}
	PayNone        string // the call ends without a payment
	Paying         string // {amount}, said before the card is asked for
	PayTaken       string // {amount} was charged
	PayCode        string // the processor's confirmation {code}, spelled
	PayNewBalance  string // {amount} left after the payment
	PayPaidInFull  string // nothing left after the payment
	PayNotRecorded string // charged, but the balance could not be updated yet
	PayCancelled   string // the caller pressed star
	PayDeclined    string // the card was refused too many times
	PayTimedOut    string // the caller keyed no card details
	PayUnavailable string // the payment processor did not answer
	PayFailed      string // any other failure

	// Keeping a card on file (a connector that tokenizes into tonebase's vault).
	CardOffer     string // 1 keeps a card on file, 2 does not
	CardAsk       string // said before the card is asked for
	CardSaved     string // the card is on file
	CardCancelled string // the caller pressed star
	CardNotSaved  string // any other failure

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

	PayChoice:      "To pay {amount} now, press 1. To pay another amount, press 2.",
	PayKeyAmount:   "Please enter the amount you wish to pay, between {min} and {max}, as digits without a decimal point, then press hash. For {example}, enter {digits}.",
	PayChoiceAgain: "Please press 1 or 2.",
	PayOutOfRange:  "{amount} is not between {min} and {max}.",
	PayNone:        "No payment has been taken.",
	Paying:         "You are paying {amount}.",
	PayTaken:       "Thank you. Your payment of {amount} has been taken.",
	PayCode:        "Your confirmation code is {code}.",
	PayNewBalance:  "Your balance is now {amount}.",
	PayPaidInFull:  "Your account is now paid in full.",
	PayNotRecorded: "Your balance will be updated shortly.",
	PayCancelled:   "You cancelled the payment. No payment has been taken.",
	PayDeclined:    "Your card details were not accepted. No payment has been taken.",
	PayTimedOut:    "We did not receive your card details. No payment has been taken.",
	PayUnavailable: "We could not reach the payment service. No payment has been taken.",
	PayFailed:      "Your payment could not be completed. No payment has been taken.",

	CardOffer:     "To keep a card on file for your future payments, press 1. Otherwise, press 2.",
	CardAsk:       "Please enter the card you want to keep on file. No payment will be taken.",
	CardSaved:     "Thank you. Your card is now on file.",
	CardCancelled: "You cancelled. No card has been kept on file.",
	CardNotSaved:  "Your card could not be kept on file.",
}

// spanish is Spain's and the United States' Spanish alike.
var spanish = Sentences{
	PromptDigits: "Por favor, introduzca su {name} de {digits} dígitos y pulse la tecla almohadilla.",
	PromptRange:  "Por favor, introduzca su {name}, de {min} a {max} dígitos, y pulse la tecla almohadilla.",
	PromptDate:   "Por favor, introduzca su {name} con 8 dígitos, {order}, y pulse la tecla almohadilla.",
	DayMonthYear: "día, mes y año", MonthDayYear: "mes, día y año", YearMonthDay: "año, mes y día",
	Missing:     "No hemos recibido ningún dígito.",
	NotDigits:   "Por favor, utilice solo las teclas numéricas.",
	WrongLength: "Ha introducido {got}; su {name} tiene {digits}.",
	WrongRange:  "Ha introducido {got}; su {name} tiene de {min} a {max} dígitos.",
	Digit:       "{n} dígito", Digits: "{n} dígitos",
	BadDate:      "Esa fecha no es válida.",
	NotValid:     "Ese {name} no es válido.",
	TooManyTries: "Lo sentimos, no hemos podido tomar sus datos.",
	Goodbye:      "Gracias por su llamada. Adiós.",
	Balance:      "Su saldo es de {amount}.",
	PayBetween:   "Puede pagar entre {min} y {max}.",
	PayAtLeast:   "Lo mínimo que puede pagar es {min}.",
	PayAtMost:    "Lo máximo que puede pagar es {max}.",
	NoBalance:    "No hay nada que pagar en esta cuenta.",
	MinOverMax:   "Esta cuenta no se puede pagar por teléfono. Por favor, póngase en contacto con nosotros.",
	NotFound:     "No hemos encontrado ninguna cuenta con esos datos.",
	Locked:       "Ha habido demasiados intentos. Por favor, inténtelo más tarde.",
	Ambiguous:    "No hemos podido identificar su cuenta con esos datos. Por favor, póngase en contacto con nosotros.",
	Failed:       "Lo sentimos, no podemos atender su llamada en este momento. Por favor, inténtelo más tarde.",

	PayChoice:      "Para pagar {amount} ahora, pulse 1. Para pagar otro importe, pulse 2.",
	PayKeyAmount:   "Por favor, introduzca el importe que desea pagar, entre {min} y {max}, en cifras y sin coma decimal, y pulse la tecla almohadilla. Para {example}, introduzca {digits}.",
	PayChoiceAgain: "Por favor, pulse 1 o 2.",
	PayOutOfRange:  "{amount} no está entre {min} y {max}.",
	PayNone:        "No se ha realizado ningún pago.",
	Paying:         "Va a pagar {amount}.",
	PayTaken:       "Gracias. Se ha realizado su pago de {amount}.",
	PayCode:        "Su código de confirmación es {code}.",
	PayNewBalance:  "Su saldo es ahora de {amount}.",
	PayPaidInFull:  "Su cuenta está ahora totalmente pagada.",
	PayNotRecorded: "Su saldo se actualizará en breve.",
	PayCancelled:   "Ha cancelado el pago. No se ha realizado ningún pago.",
	PayDeclined:    "Los datos de su tarjeta no han sido aceptados. No se ha realizado ningún pago.",
	PayTimedOut:    "No hemos recibido los datos de su tarjeta. No se ha realizado ningún pago.",
	PayUnavailable: "No hemos podido conectar con el servicio de pago. No se ha realizado ningún pago.",
	PayFailed:      "No se ha podido completar su pago. No se ha realizado ningún pago.",

	CardOffer:     "Para guardar una tarjeta para sus próximos pagos, pulse 1. Si no, pulse 2.",
	CardAsk:       "Por favor, introduzca la tarjeta que desea guardar. No se realizará ningún pago.",
	CardSaved:     "Gracias. Su tarjeta ha quedado guardada.",
	CardCancelled: "Ha cancelado. No se ha guardado ninguna tarjeta.",
	CardNotSaved:  "No se ha podido guardar su tarjeta.",
}

var french = Sentences{
	PromptDigits: "Veuillez saisir votre {name} à {digits} chiffres, puis appuyez sur dièse.",
	PromptRange:  "Veuillez saisir votre {name}, de {min} à {max} chiffres, puis appuyez sur dièse.",
	PromptDate:   "Veuillez saisir votre {name} en 8 chiffres, {order}, puis appuyez sur dièse.",
	DayMonthYear: "jour, mois et année", MonthDayYear: "mois, jour et année", YearMonthDay: "année, mois et jour",
	Missing:     "Nous n'avons reçu aucun chiffre.",
	NotDigits:   "Veuillez utiliser uniquement les touches numériques.",
	WrongLength: "Vous avez saisi {got} ; votre {name} en compte {digits}.",
	WrongRange:  "Vous avez saisi {got} ; votre {name} compte de {min} à {max} chiffres.",
	Digit:       "{n} chiffre", Digits: "{n} chiffres",
	BadDate:      "Cette date n'est pas valide.",
	NotValid:     "Ce {name} n'est pas valide.",
	TooManyTries: "Nous sommes désolés, nous n'avons pas pu enregistrer vos informations.",
	Goodbye:      "Merci de votre appel. Au revoir.",
	Balance:      "Votre solde est de {amount}.",
	PayBetween:   "Vous pouvez payer entre {min} et {max}.",
	PayAtLeast:   "Le montant minimum que vous pouvez payer est de {min}.",
	PayAtMost:    "Le montant maximum que vous pouvez payer est de {max}.",
	NoBalance:    "Il n'y a rien à payer sur ce compte.",
	MinOverMax:   "Ce compte ne peut pas être réglé par téléphone. Veuillez nous contacter.",
	NotFound:     "Nous n'avons trouvé aucun compte correspondant à ces informations.",
	Locked:       "Il y a eu trop de tentatives. Veuillez réessayer plus tard.",
	Ambiguous:    "Nous n'avons pas pu identifier votre compte avec ces informations. Veuillez nous contacter.",
	Failed:       "Nous sommes désolés, nous ne pouvons pas prendre votre appel pour le moment. Veuillez réessayer plus tard.",

	PayChoice:      "Pour payer {amount} maintenant, appuyez sur 1. Pour payer un autre montant, appuyez sur 2.",
	PayKeyAmount:   "Veuillez saisir le montant que vous souhaitez payer, entre {min} et {max}, en chiffres et sans virgule, puis appuyez sur dièse. Pour {example}, saisissez {digits}.",
	PayChoiceAgain: "Veuillez appuyer sur 1 ou sur 2.",
	PayOutOfRange:  "{amount} n'est pas compris entre {min} et {max}.",
	PayNone:        "Aucun paiement n'a été effectué.",
	Paying:         "Vous payez {amount}.",
	PayTaken:       "Merci. Votre paiement de {amount} a été effectué.",
	PayCode:        "Votre code de confirmation est {code}.",
	PayNewBalance:  "Votre solde est maintenant de {amount}.",
	PayPaidInFull:  "Votre compte est maintenant entièrement réglé.",
	PayNotRecorded: "Votre solde sera mis à jour sous peu.",
	PayCancelled:   "Vous avez annulé le paiement. Aucun paiement n'a été effectué.",
	PayDeclined:    "Les informations de votre carte n'ont pas été acceptées. Aucun paiement n'a été effectué.",
	PayTimedOut:    "Nous n'avons pas reçu les informations de votre carte. Aucun paiement n'a été effectué.",
	PayUnavailable: "Nous n'avons pas pu joindre le service de paiement. Aucun paiement n'a été effectué.",
	PayFailed:      "Votre paiement n'a pas pu aboutir. Aucun paiement n'a été effectué.",

	CardOffer:     "Pour enregistrer une carte pour vos prochains paiements, appuyez sur 1. Sinon, appuyez sur 2.",
	CardAsk:       "Veuillez saisir la carte que vous souhaitez enregistrer. Aucun paiement ne sera effectué.",
	CardSaved:     "Merci. Votre carte est maintenant enregistrée.",
	CardCancelled: "Vous avez annulé. Aucune carte n'a été enregistrée.",
	CardNotSaved:  "Votre carte n'a pas pu être enregistrée.",
}

var german = Sentences{
	PromptDigits: "Bitte geben Sie Ihre {digits}-stellige {name} ein und drücken Sie anschließend die Rautetaste.",
	PromptRange:  "Bitte geben Sie Ihre {name} mit {min} bis {max} Ziffern ein und drücken Sie anschließend die Rautetaste.",
	PromptDate:   "Bitte geben Sie Ihr {name} mit 8 Ziffern ein, {order}, und drücken Sie anschließend die Rautetaste.",
	DayMonthYear: "Tag, Monat und Jahr", MonthDayYear: "Monat, Tag und Jahr", YearMonthDay: "Jahr, Monat und Tag",
	Missing:     "Wir haben keine Ziffern erhalten.",
	NotDigits:   "Bitte verwenden Sie nur die Zifferntasten.",
	WrongLength: "Sie haben {got} eingegeben; Ihre {name} hat {digits}.",
	WrongRange:  "Sie haben {got} eingegeben; Ihre {name} hat {min} bis {max} Ziffern.",
	Digit:       "{n} Ziffer", Digits: "{n} Ziffern",
	BadDate:      "Dieses Datum ist ungültig.",
	NotValid:     "Diese Eingabe ist keine gültige {name}.",
	TooManyTries: "Leider konnten wir Ihre Angaben nicht aufnehmen.",
	Goodbye:      "Vielen Dank für Ihren Anruf. Auf Wiederhören.",
	Balance:      "Ihr Kontostand beträgt {amount}.",
	PayBetween:   "Sie können zwischen {min} und {max} zahlen.",
	PayAtLeast:   "Sie können mindestens {min} zahlen.",
	PayAtMost:    "Sie können höchstens {max} zahlen.",
	NoBalance:    "Auf diesem Konto ist nichts zu zahlen.",
	MinOverMax:   "Dieses Konto kann nicht telefonisch bezahlt werden. Bitte kontaktieren Sie uns.",
	NotFound:     "Wir konnten kein Konto mit diesen Angaben finden.",
	Locked:       "Es gab zu viele Versuche. Bitte versuchen Sie es später noch einmal.",
	Ambiguous:    "Wir konnten Ihr Konto mit diesen Angaben nicht eindeutig finden. Bitte kontaktieren Sie uns.",
	Failed:       "Leider können wir Ihren Anruf im Moment nicht annehmen. Bitte versuchen Sie es später noch einmal.",
	KeepNameCase: true,

	PayChoice:      "Um jetzt {amount} zu zahlen, drücken Sie die 1. Um einen anderen Betrag zu zahlen, drücken Sie die 2.",
	PayKeyAmount:   "Bitte geben Sie den Betrag, den Sie zahlen möchten, zwischen {min} und {max} in Ziffern ohne Komma ein und drücken Sie anschließend die Rautetaste. Für {example} geben Sie {digits} ein.",
	PayChoiceAgain: "Bitte drücken Sie die 1 oder die 2.",
	PayOutOfRange:  "{amount} liegt nicht zwischen {min} und {max}.",
	PayNone:        "Es wurde keine Zahlung vorgenommen.",
	Paying:         "Sie zahlen {amount}.",
	PayTaken:       "Vielen Dank. Ihre Zahlung über {amount} ist erfolgt.",
	PayCode:        "Ihr Bestätigungscode lautet {code}.",
	PayNewBalance:  "Ihr Kontostand beträgt jetzt {amount}.",
	PayPaidInFull:  "Ihr Konto ist jetzt vollständig beglichen.",
	PayNotRecorded: "Ihr Kontostand wird in Kürze aktualisiert.",
	PayCancelled:   "Sie haben die Zahlung abgebrochen. Es wurde keine Zahlung vorgenommen.",
	PayDeclined:    "Ihre Kartendaten wurden nicht akzeptiert. Es wurde keine Zahlung vorgenommen.",
	PayTimedOut:    "Wir haben keine Kartendaten erhalten. Es wurde keine Zahlung vorgenommen.",
	PayUnavailable: "Der Zahlungsdienst war nicht erreichbar. Es wurde keine Zahlung vorgenommen.",
	PayFailed:      "Ihre Zahlung konnte nicht abgeschlossen werden. Es wurde keine Zahlung vorgenommen.",

	CardOffer:     "Um eine Karte für Ihre künftigen Zahlungen zu hinterlegen, drücken Sie die 1. Andernfalls drücken Sie die 2.",
	CardAsk:       "Bitte geben Sie die Karte ein, die Sie hinterlegen möchten. Es wird keine Zahlung vorgenommen.",
	CardSaved:     "Vielen Dank. Ihre Karte ist jetzt hinterlegt.",
	CardCancelled: "Sie haben abgebrochen. Es wurde keine Karte hinterlegt.",
	CardNotSaved:  "Ihre Karte konnte nicht hinterlegt werden.",
}

// tables are the sentences of every language tonebase speaks.
var tables = map[money.Language]Sentences{
	money.EnGB: english,
	money.EnUS: english,
	money.EsES: spanish,
	money.EsUS: spanish,
	money.FrFR: french,
	money.DeDE: german,
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
