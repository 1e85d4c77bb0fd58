package money

// unitNames are how one language names a currency's units: major and
// minor, singular and plural.
type unitNames struct{ major, majors, minor, minors string }

// englishUnits are a currency's names in English; pounds for one
// tonebase does not speak. A switch, not a map: the lookup's say field
// comes through here.
func englishUnits(cur Currency) unitNames {
	switch cur {
	case USD, CAD:
		return unitNames{"dollar", "dollars", "cent", "cents"}
	case EUR:
		return unitNames{"euro", "euros", "cent", "cents"}
	}
	return unitNames{"pound", "pounds", "penny", "pence"}
}

// SayIn renders minor units of cur as a phrase in lang that a TTS engine
// reads naturally. An unknown language or currency speaks British English
// pounds, as Say does.
func SayIn(lang Language, cur Currency, minor int64) string {
	return string(AppendSayIn(nil, lang, cur, minor))
}

// AppendSayIn appends SayIn(lang, cur, minor) to dst.
func AppendSayIn(dst []byte, lang Language, cur Currency, minor int64) []byte {
	switch lang {
	case EnUS:
		return appendEnglish(dst, englishUnits(cur), minor, false)
	case EsES, EsUS:
		return appendSpanish(dst, cur, minor)
	case FrFR:
		return appendFrench(dst, cur, minor)
	case DeDE:
		return appendGerman(dst, cur, minor)
	}
	return appendEnglish(dst, englishUnits(cur), minor, true)
}
