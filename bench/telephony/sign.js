// Signs a webhook request as Twilio does, with Twilio's own library (the
// one ivr/twilio's tests use): node sign.js TOKEN URL FORM
const path = require('path');
const twilio = require(path.join(__dirname, '../../ivr/twilio/testdata/node/node_modules/twilio'));
const [token, url, form] = process.argv.slice(2);
const params = Object.fromEntries(new URLSearchParams(form || ''));
process.stdout.write(twilio.getExpectedTwilioSignature(token, url, params));
