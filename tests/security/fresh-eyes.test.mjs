// Findings of a fresh-eyes attack on the trust model (README, "Trust model"), each a case that
// fails until the backend is fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, signUp, assertRefused, useVictim } from './harness.mjs';

const victim = useVictim();

test('setup: the victim has a profile', async () => {
  const r = await call('POST', '/classes/Profile', { token: victim.token, body: { objectId: victim.id, displayName: 'Vera Victim' } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
});

// Profile.displayName is the one thing every team member sees of another (assignees, the
// team list). Its rule refuses only C0 controls, DEL, U+2028/2029 and surrounding spaces, while
// usernames (which no one else sees) also refuse format and invisible characters. So an
// attacker can take a name that renders exactly like the victim's ("Vera\u200bVictim"), one
// that reverses the text after it (U+202E), one with a C1 control character (U+0085, NEL — a
// control character the rule's own message says it refuses), or a name that renders as nothing.
const LOOKALIKES = [
  ['a zero-width space inside the victim\'s name', 'Vera\u200bVictim'],
  ['a zero-width joiner inside the victim\'s name', 'Vera Vic\u200dtim'],
  ['a right-to-left override', '\u202emitciV areV'],
  ['a C1 control character (NEL)', 'Vera\u0085Victim'],
  ['only a zero-width space (an invisible name)', '\u200b'],
  ['a word joiner before the victim\'s name', '\u2060Vera Victim'],
];

for (const [what, displayName] of LOOKALIKES) {
  test(`a display name with ${what} is refused (it is shown to the whole team)`, async () => {
    const attacker = await signUp('lookalike');
    const r = await call('POST', '/classes/Profile', { token: attacker.token, body: { objectId: attacker.id, displayName } });
    assertRefused(r, 142, `displayName ${JSON.stringify(displayName)}`);
    // And not by a rename either.
    const ok = await call('POST', '/classes/Profile', { token: attacker.token, body: { objectId: attacker.id, displayName: 'Mallory' } });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    const rename = await call('PUT', `/classes/Profile/${attacker.id}`, { token: attacker.token, body: { displayName } });
    assertRefused(rename, 142, `rename to ${JSON.stringify(displayName)}`);
  });
}
