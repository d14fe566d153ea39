// The app's field limits (www/src/lib/limits.ts) are the server's (backend/rules.js): one source,
// checked here, so an input never stops short of or past what the server takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../backend/', import.meta.url));
const { FIELDS, LIMITS, PASSWORD_RULE, PASSWORD_PATTERN } = require('./rules.js');
const source = readFileSync(new URL('../../www/src/lib/limits.ts', import.meta.url), 'utf8');
const appLimit = (name) => Number(source.match(new RegExp(`\\b${name}: (\\d+)`))?.[1]);

// Each app limit and the text fields it stands for.
const FIELDS_OF = {
  name: ['Company.name', 'Contact.name', 'Deal.title', 'Activity.subject'],
  industry: ['Company.industry'],
  address: ['Company.address'],
  phone: ['Contact.phone'],
  notes: ['Company.notes', 'Contact.notes', 'Deal.notes', 'Activity.description'],
  lostReason: ['Deal.lostReason'],
};

test("the app's text limits are the server's", () => {
  for (const [name, fields] of Object.entries(FIELDS_OF)) {
    for (const field of fields) {
      const [className, key] = field.split('.');
      assert.equal(appLimit(name), FIELDS[className][key].max, `MAX_CHARS.${name} and ${field}`);
    }
  }
  // Every text field with a limit is covered by one of the app's.
  const covered = new Set(Object.values(FIELDS_OF).flat());
  for (const [className, rules] of Object.entries(FIELDS)) {
    for (const [key, rule] of Object.entries(rules)) {
      if (rule.max !== undefined) assert.ok(covered.has(`${className}.${key}`), `${className}.${key} has no app limit`);
    }
  }
  assert.equal(Number(source.match(/MAX_AMOUNT = ([\d.e]+)/)?.[1]), LIMITS.maxAmount);
  assert.equal(source.match(/PASSWORD_RULE = '([^']+)'/)?.[1], PASSWORD_RULE, 'the password rule in words');
  assert.equal(source.match(/PASSWORD_PATTERN = (\/.+\/[a-z]*);/)?.[1], String(PASSWORD_PATTERN), 'the password rule as the server checks it');
});

test("e-mails and Parse's pages name the product as the app does", () => {
  const logo = readFileSync(new URL('../../www/src/app/Logo.tsx', import.meta.url), 'utf8');
  const server = readFileSync(new URL('../../backend/server.js', import.meta.url), 'utf8');
  const product = logo.match(/PRODUCT = '([^']+)'/)?.[1];
  assert.ok(product, 'the app names its product');
  assert.equal(server.match(/appName: env\('CRM_APP_NAME', '([^']+)'\)/)?.[1], product);
});
