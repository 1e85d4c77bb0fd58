package money

import (
	"strings"
	"testing"
	"unicode"
)

func TestSayIn(t *testing.T) {
	tests := []struct {
		lang  Language
		cur   Currency
		minor int64
		want  string
	}{
		{EnGB, GBP, 1250, "twelve pounds and fifty pence"},
		{EnGB, GBP, 1, "one penny"},
		{EnGB, EUR, 10105, "one hundred and one euros and five cents"},
		{EnUS, USD, 1250, "twelve dollars and fifty cents"},
		{EnUS, USD, 10105, "one hundred one dollars and five cents"},
		{EnUS, CAD, 100, "one dollar"},
		{EnUS, USD, 9999999999, "ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine dollars and ninety-nine cents"},
		{EsES, EUR, 1250, "doce euros con cincuenta céntimos"},
		{EsES, EUR, 100, "un euro"},
		{EsES, EUR, 2101, "veintiún euros con un céntimo"},
		{EsES, EUR, 10000, "cien euros"},
		{EsES, EUR, 10100, "ciento un euros"},
		{EsES, EUR, 50000, "quinientos euros"},
		{EsES, EUR, 100000000, "un millón de euros"},
		{EsES, EUR, 100000100, "un millón un euros"},
		{EsES, GBP, 100, "una libra"},
		{EsES, GBP, 20000, "doscientas libras"},
		{EsES, GBP, 2101, "veintiuna libras con un penique"},
		{EsUS, USD, 1250, "doce dólares con cincuenta centavos"},
		{EsUS, USD, 9999999999, "noventa y nueve millones novecientos noventa y nueve mil novecientos noventa y nueve dólares con noventa y nueve centavos"},
		{FrFR, EUR, 1250, "douze euros et cinquante centimes"},
		{FrFR, EUR, 100, "un euro"},
		{FrFR, EUR, 2100, "vingt et un euros"},
		{FrFR, EUR, 7100, "soixante et onze euros"},
		{FrFR, EUR, 7200, "soixante-douze euros"},
		{FrFR, EUR, 8000, "quatre-vingts euros"},
		{FrFR, EUR, 8100, "quatre-vingt-un euros"},
		{FrFR, EUR, 9900, "quatre-vingt-dix-neuf euros"},
		{FrFR, EUR, 20000, "deux cents euros"},
		{FrFR, EUR, 20100, "deux cent un euros"},
		{FrFR, EUR, 8000000, "quatre-vingt mille euros"},
		{FrFR, EUR, 100000000, "un million d'euros"},
		{FrFR, EUR, 8000000000, "quatre-vingts millions d'euros"},
		{FrFR, GBP, 100, "une livre"},
		{FrFR, GBP, 2100, "vingt et une livres"},
		{FrFR, GBP, 200000000, "deux millions de livres"},
		{FrFR, USD, 1250, "douze dollars et cinquante cents"},
		{DeDE, EUR, 1250, "zwölf Euro und fünfzig Cent"},
		{DeDE, EUR, 100, "ein Euro"},
		{DeDE, EUR, 101, "ein Euro und ein Cent"},
		{DeDE, EUR, 2100, "einundzwanzig Euro"},
		{DeDE, EUR, 10100, "einhunderteins Euro"},
		{DeDE, EUR, 123456789, "eine Million zweihundertvierunddreißigtausendfünfhundertsiebenundsechzig Euro und neunundachtzig Cent"},
		{DeDE, EUR, 200000000, "zwei Millionen Euro"},
		{DeDE, EUR, 2100000000, "einundzwanzig Millionen Euro"},
		{DeDE, EUR, 100000000000, "eine Milliarde Euro"},
		{DeDE, USD, 1250, "zwölf Dollar und fünfzig Cent"},
		{DeDE, GBP, 1, "ein Penny"},
		{DeDE, GBP, 1250, "zwölf Pfund und fünfzig Pence"},
	}
	for _, tc := range tests {
		t.Run(string(tc.lang)+"/"+string(tc.cur)+"/"+FormatMinor(tc.minor), func(t *testing.T) {
			if got := SayIn(tc.lang, tc.cur, tc.minor); got != tc.want {
				t.Fatalf("SayIn = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSayInBritishPoundsIsSay(t *testing.T) {
	for _, n := range []int64{0, 1, 99, 100, 1250, 100001, 9999999999, -5} {
		if SayIn(EnGB, GBP, n) != Say(n) {
			t.Fatalf("%d: SayIn %q, Say %q", n, SayIn(EnGB, GBP, n), Say(n))
		}
	}
}

// checkPhrase fails unless p reads as words: letters, single spaces,
// hyphens and apostrophes only, naming the currency's units.
func checkPhrase(t *testing.T, lang Language, cur Currency, minor int64, p string) {
	t.Helper()
	if p == "" || strings.HasPrefix(p, " ") || strings.HasSuffix(p, " ") || strings.Contains(p, "  ") {
		t.Fatalf("%s %s %d: badly spaced %q", lang, cur, minor, p)
	}
	for _, r := range p {
		if !unicode.IsLetter(r) && r != ' ' && r != '-' && r != '\'' {
			t.Fatalf("%s %s %d: %q holds %q", lang, cur, minor, p, r)
		}
	}
	if strings.Contains(p, "zero") || strings.Contains(p, "cero") || strings.Contains(p, "zéro") || strings.Contains(p, "null") {
		t.Fatalf("%s %s %d: a zero spoken in %q", lang, cur, minor, p)
	}
}

func FuzzSayIn(f *testing.F) {
	for _, n := range []int64{1, 100, 2101, 8000, 100000000, 9999999999} {
		f.Add(n, uint8(0), uint8(0))
	}
	f.Fuzz(func(t *testing.T, n int64, l, c uint8) {
		lang, cur := Languages()[int(l)%len(Languages())], Currencies()[int(c)%len(Currencies())]
		// Every amount from 0.01 to 99,999,999.99 has a phrase.
		const most = 9_999_999_999
		if n < 0 {
			n = -(n + 1)
		}
		minor := n%most + 1
		checkPhrase(t, lang, cur, minor, SayIn(lang, cur, minor))
	})
}

func TestSayInRange(t *testing.T) {
	// A sweep of the range's shapes in every language and currency.
	for _, lang := range Languages() {
		for _, cur := range Currencies() {
			for n := int64(1); n <= 9_999_999_999; n = n*7 + 3 {
				checkPhrase(t, lang, cur, n, SayIn(lang, cur, n))
			}
			for _, n := range []int64{1, 100, 101, 10000, 100000, 100000000, 9_999_999_999} {
				checkPhrase(t, lang, cur, n, SayIn(lang, cur, n))
			}
		}
	}
}
