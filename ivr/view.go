package ivr

import "encoding/json"

// JSON is the body the lookup endpoint answers with for this result, so
// the admin lookup tester shows byte for byte what an IVR receives.
func (r Result) JSON() []byte {
	b, err := json.Marshal(r.jsonView())
	if err != nil {
		return []byte(`{"error":"internal error"}`)
	}
	return b
}
