// A mail adapter that delivers nothing: it appends each message to a JSON-lines outbox file,
// so password-reset mails can be read by the developer and by tests. Swap it for a real
// adapter (SMTP, a mail API) in production.
'use strict';
const fs = require('fs');
const path = require('path');

function outboxAdapter({ file }) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return {
    sendMail({ to, subject, text }) {
      fs.appendFileSync(file, JSON.stringify({ to, subject, text, at: new Date().toISOString() }) + '\n');
      return Promise.resolve();
    },
  };
}

module.exports = { outboxAdapter };
