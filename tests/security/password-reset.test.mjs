// The password-reset pages a mailed link opens (backend/pages/, Parse's PagesRouter): the
// product's own look with a way back to the app, and nothing a crafted link can inject or read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, signUp, useStrictServer } from './harness.mjs';

const APP_URL = 'http://127.0.0.1:4999/';
const strict = useStrictServer(74, 'password-reset', { CRM_APP_URL: APP_URL });
const get = async (url) => {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, text: await res.text() };
};
const post = async (form) => {
  const res = await fetch(`${strict.url}/apps/crm/request_password_reset`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(form) });
  return { status: res.status, text: await res.text() };
};
const heading = (html) => html.match(/<h1>([^<]*)<\/h1>/)?.[1];
const backLink = (html) => html.match(/<a class="back" href="([^"]*)">([^<]*)<\/a>/);
const unescape = (s) => s.replace(/&#x2F;/g, '/');

async function resetLink(user) {
  const email = `${user.username}@example.com`;
  assert.equal((await call('POST', '/requestPasswordReset', { server: strict.url, body: { email } })).status, 200);
  const mail = strict.mailsTo(email).at(-1);
  assert.ok(mail, `a reset e-mail to ${email}`);
  // In the product's words: what it is for, how long the link works, what if it was not you.
  assert.equal(mail.subject, 'Choose a new password for Tidewater CRM');
  assert.match(mail.text, new RegExp(`^Hi ${user.username},`));
  assert.match(mail.text, /the link works once, for an hour/);
  assert.match(mail.text, /If it was not you, ignore this mail/);
  return mail.text.match(/https?:\/\/\S+/)[0];
}

test('a reset link opens the product\'s page, says the password rule, and every page leads back to the app', async () => {
  const user = await signUp('resetpage', strict.url);
  const link = await resetLink(user);
  const page = await get(link);
  assert.equal(page.status, 200);
  assert.equal(heading(page.text), 'Choose a new password');
  assert.match(page.text, /<title>Choose a new password · Tidewater CRM<\/title>/);
  assert.match(page.text, /Passwords need 8 to 128 characters/);
  assert.match(page.text, /<style>[^<]*#4263eb/, 'the shared style is inlined');
  assert.equal(unescape(backLink(page.text)[1]), APP_URL);
  const token = new URL(link).searchParams.get('token');
  // A password the policy refuses: the same page again, saying why, the link still usable.
  const weak = await post({ token, new_password: 'short', confirm_new_password: 'short' });
  assert.equal(heading(weak.text), 'Choose a new password');
  assert.match(weak.text, /<p class="error" role="alert">Passwords need 8 to 128 characters/);
  const done = await post({ token, new_password: 'Brand-new-1', confirm_new_password: 'Brand-new-1' });
  assert.equal(heading(done.text), 'Your password has been changed');
  assert.deepEqual([unescape(backLink(done.text)[1]), backLink(done.text)[2]], [APP_URL, 'Log in to Tidewater CRM']);
  // It was changed, and the session from before ended (as the page says).
  assert.equal((await call('POST', '/login', { server: strict.url, body: { username: user.username, password: 'Brand-new-1' } })).status, 200);
  assert.equal((await call('GET', '/users/me', { server: strict.url, token: user.token })).status, 400);
  // The link works once.
  const again = await get(link);
  assert.equal(heading(again.text), 'This link no longer works');
  assert.equal(unescape(backLink(again.text)[1]), APP_URL);
});

test('a crafted link injects nothing into the pages and reads no file beside them', async () => {
  const hostile = '"><script>alert(1)</script><a x="';
  for (const url of [
    `${strict.url}/apps/crm/request_password_reset?token=${encodeURIComponent(hostile)}`,
    `${strict.url}/apps/password_reset.html?locale=${encodeURIComponent(hostile)}&error=${encodeURIComponent(hostile)}`,
    `${strict.url}/apps/crm/request_password_reset?token=x&locale=${encodeURIComponent(hostile)}`,
  ]) {
    const page = await get(url);
    assert.ok(page.status < 500, `${url}: ${page.status}`);
    assert.ok(!page.text.includes('<script>alert'), `${url} reflected markup: ${page.text.slice(0, 300)}`);
  }
  const posted = await post({ token: hostile, new_password: 'Brand-new-2', confirm_new_password: 'Brand-new-2', locale: hostile });
  assert.ok(posted.status < 500, `a hostile form: ${posted.status}`);
  assert.ok(!posted.text.includes('<script>alert'), 'a hostile form is not reflected');
  for (const file of ['../server.js', '..%2Fserver.js', '%2e%2e/rules.js', '../.data/test/master.key']) {
    const r = await get(`${strict.url}/apps/${file}`);
    assert.ok(!/require\(|masterKey|LIMITS/.test(r.text), `${file} was served: ${r.status}`);
  }
  // The pages' shared head and style go into each page; Parse would serve them as text/html.
  for (const part of ['style.css', 'head.html']) {
    assert.equal((await get(`${strict.url}/apps/${part}`)).status, 404, `${part} is served on its own`);
  }
});
