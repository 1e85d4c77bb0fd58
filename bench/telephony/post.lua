-- wrk script for the telephony endpoints: one fixed request, from the
-- environment (METHOD, BODY, CTYPE, SIG for X-Twilio-Signature, AUTH).
wrk.method = os.getenv("METHOD") or "POST"
wrk.body = os.getenv("BODY")
local function set(name, value)
  if value and value ~= "" then wrk.headers[name] = value end
end
set("Content-Type", os.getenv("CTYPE"))
set("X-Twilio-Signature", os.getenv("SIG"))
set("Authorization", os.getenv("AUTH"))

done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f req/s p50 %.2fms p99 %.2fms non2xx %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
