// Findings of a second fresh-eyes attack on the trust model (README, "Trust model"), each a
// case that failed until the backend was fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, signUp, assertRefused, useVictim, unique } from './harness.mjs';

const victim = useVictim();
let attacker;
// Each run's names are its own (profiles stay in the test database between runs).
const RUN = ` ${Date.now().toString(36).toUpperCase()}`;

test('setup: the victim has a profile, an attacker a session', async () => {
  const r = await call('POST', '/classes/Profile', { token: victim.token, body: { objectId: victim.id, displayName: `Vera Victim${RUN}` } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  attacker = await signUp('fresh2');
});

// ---- the gate took `_method` from the body of any request -------------------------------------
// Parse honours a body's `_method` only on a POST (the JS SDK's form); the gate took it from
// every request. A PUT whose body says `_method: "GET"` was checked as a query (no field
// operation checks) and written by Parse as the update it is: an `Add` on a text field reached
// Parse, which answered a bare 500 "Internal server error".
test('a PUT or DELETE whose body names another _method is checked as what Parse runs', async () => {
  const deal = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'Mine', amount: 1 } });
  assert.equal(deal.status, 201, JSON.stringify(deal.json));
  for (const _method of ['GET', 'HEAD', 'get']) {
    const r = await call('PUT', `/classes/Deal/${deal.json.objectId}`, {
      token: attacker.token, body: { _method, title: { __op: 'Add', objects: ['x'] } },
    });
    assertRefused(r, 111, `PUT with _method ${_method} and an Add on a text field`);
  }
  const still = await call('GET', `/classes/Deal/${deal.json.objectId}`, { token: attacker.token });
  assert.equal(still.json.title, 'Mine');
});

// ---- display names: look-alikes the fold did not know -----------------------------------------
// The look-alike key (rules.js displayNameKey) folds case, accents, Cyrillic and Greek letters,
// 1/l/I and full-width forms, but not other letters that render like Latin ones: the Turkish
// dotless ı, Latin small capitals and IPA letters (ᴄ, ɑ, ɩ), Cyrillic izhitsa (ѵ, Ѵ), Lisu (ꓦ)
// and Cherokee (Ꮩ). An impostor named "Vera Vıctım" was accepted beside "Vera
// Victim", and assigning a deal to the wrong one shares it with the impostor.
const LOOKALIKES = [
  ['dotless ı', 'Vera V\u0131ct\u0131m'],
  ['a Latin small capital C', 'Vera Vi\u1d04tim'],
  ['a Latin alpha', 'Ver\u0251 Victim'],
  ['a Latin iota', 'Vera Vict\u0269m'],
  ['a Cyrillic izhitsa', '\u0474era \u0475ictim'],
  ['a Lisu V', '\ua4e6era Victim'],
  ['a Cherokee V', '\u13d9era Victim'],
  ['a Latin small capital I', 'Vera V\u026actim'],
];
for (const [what, name] of LOOKALIKES) {
  const displayName = name + RUN;
  test(`a display name like a colleague's (${what}) is refused`, async () => {
    const impostor = await signUp('lookalike2');
    const r = await call('POST', '/classes/Profile', { token: impostor.token, body: { objectId: impostor.id, displayName } });
    assertRefused(r, 137, `create ${JSON.stringify(displayName)}`);
    const own = await call('POST', '/classes/Profile', { token: impostor.token, body: { objectId: impostor.id, displayName: unique('Ian Impostor ') } });
    assert.equal(own.status, 201, JSON.stringify(own.json));
    assertRefused(await call('PUT', `/classes/Profile/${impostor.id}`, { token: impostor.token, body: { displayName } }), 137, `rename to ${JSON.stringify(displayName)}`);
  });
}
