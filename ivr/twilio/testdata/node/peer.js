// The twilio package's tests ask Twilio's own Node library, one JSON
// request a line on stdin, one JSON answer a line on stdout:
//   {"op":"sign","token","url","params"}            -> {"signature"}
//   {"op":"valid","token","url","params","signature"} -> {"valid"}
//   {"op":"twiml","verbs":[...]}                   -> {"xml"}
// A verb is {"gather":{attributes},"says":[{"language","text"}]},
// {"say":{"language","text"}}, {"hangup":true}, {"redirect":{"method","url"}}
// or {"pay":{attributes},"parameters":[{"name","value"}]}.
const readline = require('readline');
const twilio = require('twilio');

function twiml(verbs) {
  const r = new twilio.twiml.VoiceResponse();
  for (const v of verbs) {
    if (v.gather) {
      const g = r.gather(v.gather);
      for (const s of v.says || []) g.say({ language: s.language }, s.text);
    } else if (v.say) {
      r.say({ language: v.say.language }, v.say.text);
    } else if (v.hangup) {
      r.hangup();
    } else if (v.redirect) {
      r.redirect({ method: v.redirect.method }, v.redirect.url);
    } else if (v.pay) {
      const p = r.pay(v.pay);
      for (const prm of v.parameters || []) p.parameter(prm);
    } else {
      throw new Error('unknown verb ' + JSON.stringify(v));
    }
  }
  return r.toString();
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let out;
  try {
    const q = JSON.parse(line);
    switch (q.op) {
      case 'sign':
        out = { signature: twilio.getExpectedTwilioSignature(q.token, q.url, q.params || {}) };
        break;
      case 'valid':
        out = { valid: twilio.validateRequest(q.token, q.signature, q.url, q.params || {}) };
        break;
      case 'twiml':
        out = { xml: twiml(q.verbs) };
        break;
      default:
        throw new Error('unknown op ' + q.op);
    }
  } catch (e) {
    out = { error: String(e && e.stack || e) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});
