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

/** A field of the user Parse hands a mail adapter (a Parse.User, or its JSON). */
const userField = (user, field) => (user && typeof user.get === 'function' ? user.get(field) : user && user[field]);

/** Wraps a mail adapter (this one or a production one, anything with `sendMail`): the
 * password-reset mail in the product's words, saying how long the link works and what to do
 * if it was not you (Parse's own said only "Click here to reset it:"). */
function productMails(adapter, { validMinutes }) {
  const wrapped = Object.create(adapter);
  wrapped.sendPasswordResetEmail = ({ appName, link, user }) => {
    const username = userField(user, 'username') || '';
    const lasts = validMinutes === 60 ? 'an hour' : `${validMinutes} minutes`;
    return adapter.sendMail({
      to: userField(user, 'email'),
      subject: `Choose a new password for ${appName}`,
      text: [
        `Hi ${username},`,
        '',
        `Someone, probably you, asked to reset the password of your ${appName} account "${username}".`,
        '',
        `Choose a new one here (the link works once, for ${lasts}):`,
        link,
        '',
        'If it was not you, ignore this mail: your password stays as it is.',
      ].join('\n'),
    });
  };
  return wrapped;
}

/** Wraps a mail adapter (this one or a production one): at most `most` mails to one address in
 * `windowMs`, the rest dropped without a word (Parse has answered the request already; it says
 * the same whether an account exists). The per-address rate limit (guard.js) bounds what one
 * client asks for, not what one inbox receives: five reset requests a minute from each of many
 * addresses were as many mails to one victim. The reset link is kept while it is valid (Parse's
 * passwordPolicy.resetTokenReuseIfValid, server.js), so the mails already sent still work.
 * Counted in this process (a cluster lets each instance send `most`). */
function limitPerRecipient(adapter, { most, windowMs }) {
  const sent = new Map(); // lower-case address -> { start, count }
  const allow = (to) => {
    if (typeof to !== 'string' || to === '') return true;
    const key = to.trim().toLowerCase();
    const now = Date.now();
    if (sent.size >= 100_000) for (const [k, w] of sent) if (now - w.start > windowMs) sent.delete(k);
    let w = sent.get(key);
    if (!w || now - w.start > windowMs) {
      w = { start: now, count: 0 };
      sent.delete(key);
      sent.set(key, w);
    }
    if (w.count >= most) return false;
    w.count += 1;
    return true;
  };
  const wrapped = Object.create(adapter);
  wrapped.sendMail = (options) => (allow(options && options.to) ? adapter.sendMail(options) : Promise.resolve());
  for (const method of ['sendPasswordResetEmail', 'sendVerificationEmail']) {
    if (typeof adapter[method] === 'function') {
      wrapped[method] = (options) => (allow(userField(options && options.user, 'email')) ? adapter[method](options) : Promise.resolve());
    }
  }
  return wrapped;
}

module.exports = { outboxAdapter, productMails, limitPerRecipient };
