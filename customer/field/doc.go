// Package field parses and formats the values the customer domain checks:
// card and bank numbers with their checksums, card expiry, masking, money in
// minor units, calendar days and their stored form, and JSON scalars that
// integrations send as either strings or numbers. It knows nothing of
// storage, HTTP or any one wire's date formats, so every rule is a plain
// function a table test or a fuzzer can drive.
package field
