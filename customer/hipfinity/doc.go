// Package hipfinity is the customer domain on the wire of the Hipfinity
// Customers API, so integrations written against it work unchanged: the
// fasthttp handlers of /apis/api, the JSON field names, the
// {"StatusCode","StatusText","Errors"} envelope, .NET-style dates, the
// case-insensitive field binding of the .NET model binder, and the
// Idempotency-Key header.
//
// Requests are read into the typed inputs of package customer; the
// domain's problems are named back in Hipfinity's fields and words, in the
// order the API has always listed them.
package hipfinity
