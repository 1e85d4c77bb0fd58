package agi

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The scripts a dialplan can ask for.
const (
	scriptLookup = "lookup"
	scriptFlow   = "flow"
)

// request is what the AGI URL and arguments ask: which script, whose
// database, the credentials and any refs. It holds the secret: it is
// never logged.
type request struct {
	script string
	cid    int64
	dbid   int64
	key    string
	secret string
	params map[string]string // refs by name (ref1, colA, …) and anything else sent
}

// maxParams bounds the names a request may carry.
const maxParams = 32

// parseRequest reads the request from the environment: the script and its
// query from agi_network_script (or agi_request's path), and name=value
// AGI arguments. A name sent twice, in the URL or the arguments, is
// refused: which one would win is not something to guess about.
func parseRequest(env *Env) (request, error) {
	script, ok := env.Get("network_script")
	if !ok {
		raw, _ := env.Get("request")
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "agi" {
			return request{}, fmt.Errorf("%w: agi_request is not an agi:// URL", errMalformed)
		}
		script = strings.TrimPrefix(u.Path, "/")
		if u.RawQuery != "" {
			script += "?" + u.RawQuery
		}
	}
	path, query, _ := strings.Cut(script, "?")
	req := request{script: strings.TrimSuffix(path, "/"), params: map[string]string{}}
	if req.script != scriptLookup && req.script != scriptFlow {
		return request{}, fmt.Errorf("%w: no script %q (lookup or flow)", errMalformed, req.script)
	}
	add := func(k, v string) error {
		if k == "" {
			return fmt.Errorf("%w: a parameter without a name", errMalformed)
		}
		if _, dup := req.params[k]; dup {
			return fmt.Errorf("%w: parameter %q sent twice", errMalformed, k)
		}
		if len(req.params) >= maxParams {
			return fmt.Errorf("%w: more than %d parameters", errMalformed, maxParams)
		}
		req.params[k] = v
		return nil
	}
	if query != "" {
		for pair := range strings.SplitSeq(query, "&") {
			k, v, _ := strings.Cut(pair, "=")
			k, err1 := url.QueryUnescape(k)
			v, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				return request{}, fmt.Errorf("%w: a parameter badly escaped", errMalformed)
			}
			if err := add(k, v); err != nil {
				return request{}, err
			}
		}
	}
	for _, a := range env.Args {
		if a == "" {
			continue // AGI(url,) sends an empty argument
		}
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return request{}, fmt.Errorf("%w: an argument that is not name=value", errMalformed)
		}
		if err := add(k, v); err != nil {
			return request{}, err
		}
	}
	var err error
	if req.cid, err = positive(req.params["cid"]); err != nil {
		return request{}, fmt.Errorf("%w: cid %v", errBadRequest, err)
	}
	if req.dbid, err = positive(req.params["dbid"]); err != nil {
		return request{}, fmt.Errorf("%w: dbid %v", errBadRequest, err)
	}
	req.key, req.secret = req.params["key"], req.params["secret"]
	for _, k := range []string{"cid", "dbid", "key", "secret"} {
		delete(req.params, k)
	}
	return req, nil
}

// errBadRequest is a well-formed session asking for something that cannot
// be answered: the dialplan's to fix, told in LOOKUP_REASON.
var errBadRequest = fmt.Errorf("agi: bad request")

func positive(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, fmt.Errorf("%q is not a positive number", s)
	}
	return n, nil
}

// ref returns the value sent for a ref, by column id or ivr field.
func (r *request) ref(name string) (string, bool) {
	if v, ok := r.params[name]; ok {
		return v, true
	}
	for k, v := range r.params {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}
