#!/usr/bin/env bash
# Rates and p99 of the telephony endpoints against a running `tonebase serve --demo`:
#   KEY=… SECRET=… ADMIN=… bench/telephony/run.sh
# (start the server with --lockout-limit 0: every request keys the same caller;
# with --agi-addr too, and AGI=that address here, FastAGI's /lookup and /flow
# sessions are measured with bench/cmd/agiload).
# Needs wrk (apt-get install wrk) and Twilio's Node library
# (npm ci --prefix ivr/twilio/testdata/node).
set -euo pipefail
cd "$(dirname "$0")"
BASE=${BASE:-http://127.0.0.1:18080}; CID=${CID:-1001}; DBID=${DBID:-1}
C=${C:-64}; D=${D:-10s}
: "$KEY" "$SECRET" "$ADMIN"
TOKEN=bench-auth-token-0123456789abcdef
curl -sf -X PUT -H "Authorization: Bearer $ADMIN" "$BASE/admin/api/clients/$CID/twilio" -d "{\"auth_token\":\"$TOKEN\"}" >/dev/null
AUTH="Basic $(printf '%s:%s' "$KEY" "$SECRET" | base64 -w0)"
run() { # name, path, then env for post.lua
  local name=$1 path=$2; shift 2
  printf '%-28s ' "$name"
  env "$@" wrk -t2 -c"$C" -d"$D" -s post.lua "$BASE$path" | grep RESULT | sed 's/RESULT //'
}
voice="/twilio/v1/$CID/$DBID/voice"
post() { # path, form: one signed webhook request, its TwiML printed
  curl -sf -X POST -H "X-Twilio-Signature: $(node sign.js "$TOKEN" "$BASE$1" "$2")" --data "$2" "$BASE$1"
}
first="CallSid=CAbench&From=%2B15005550006"
action=$(post "$voice" "$first" | grep -o 'action="[^"]*"' | sed 's/action="//; s/"$//')
action=$(post "${action//&amp;/&}" "$first&Digits=123456" | grep -o 'action="[^"]*"' | sed 's/action="//; s/"$//')
action=${action//&amp;/&}
last="$first&Digits=01021990"
event='{"Name":"ContactFlowEvent","Details":{"ContactData":{"Channel":"VOICE","CustomerEndpoint":{"Address":"+15005550006","Type":"TELEPHONE_NUMBER"}},"Parameters":{"ref1":"123456","ref2":"01021990"}}}'

run "lookup (JSON, reference)" "/ivr/v1/$CID/$DBID/lookup?ref1=123456&ref2=01021990" METHOD=GET AUTH="$AUTH"
run "twilio first step (ask)" "$voice" BODY="$first" CTYPE=application/x-www-form-urlencoded SIG="$(node sign.js "$TOKEN" "$BASE$voice" "$first")"
run "twilio last step (lookup)" "$action" BODY="$last" CTYPE=application/x-www-form-urlencoded SIG="$(node sign.js "$TOKEN" "$BASE$action" "$last")"
run "connect lookup" "/connect/v1/$CID/$DBID/lookup" BODY="$event" CTYPE=application/json AUTH="$AUTH"
run "vxml lookup document" "/vxml/v1/$CID/$DBID/lookup" BODY="ref1=123456&ref2=01021990" CTYPE=application/x-www-form-urlencoded AUTH="$AUTH"
if [ -n "${AGI:-}" ]; then
  (cd ../.. && go build -o /tmp/tonebase-agiload ./bench/cmd/agiload)
  for script in lookup flow; do
    /tmp/tonebase-agiload -addr "$AGI" -cid "$CID" -dbid "$DBID" -key "$KEY" -secret "$SECRET" -c "$C" -d "$D" -script "$script"
  done
fi
