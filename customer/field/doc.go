// Package field parses and formats the values of the Hipfinity customer API
// wire: .NET-style dates, card and bank numbers with their checksums, card
// expiry, masking, money, and JSON scalars that integrations send as either
// strings or numbers. It knows nothing of storage or HTTP, so every rule is a
// plain function a table test or a fuzzer can drive.
package field
