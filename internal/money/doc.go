// Package money reads and writes amounts of money as integer minor units
// (pence): the ActivePay forms an uploader may send (£12.50, 12.50,
// 1,234.56, or 1250 pence), the plain decimals payment APIs exchange (12.5,
// 100), the fixed two places the IVR and the admin pages show (12.50), and
// the phrase a TTS engine reads to a caller. It is a pure leaf, so the
// storage engine, the caller service, the customer API and the admin pages
// share one definition of an amount.
package money
