// Package httpx is the HTTP plumbing every surface of tonebase shares (the
// IVR lookup and upload, the customer APIs, the admin pages): request bodies
// streamed within a limit and spooled to disk, one JSON writer, the request
// id a handler reads back, a pooled HTTP Basic decoder and the
// case-insensitive query lookup telephony platforms and .NET clients need.
// It knows fasthttp and nothing of callers, customers or storage.
package httpx
