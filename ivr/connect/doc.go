// Package connect is the Amazon Connect wire of the caller lookup.
// POST /connect/v1/{cid}/{dbid}/lookup takes the Lambda invocation event
// Connect sends (Details.ContactData.CustomerEndpoint.Address is the
// caller, Details.Parameters the refs by ivr field or column id) and
// answers the flat string-to-string map a Connect flow reads ($.External.status,
// $.External.balance_say, …). Forwarder is the other half: what the
// tonebase-connect Lambda function runs to pass an event on and answer
// within Connect's eight seconds, whatever happens to tonebase.
package connect
