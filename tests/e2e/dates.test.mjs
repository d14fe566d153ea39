// The app's reading of typed dates (www/src/lib/dates.ts), run in Node: the module is compiled
// with the app's own TypeScript and imported as it is. Text that is not a date must be refused,
// never read as another date.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { root } from './server.mjs';

const ts = createRequire(path.join(root, 'www/package.json'))('typescript');
const source = readFileSync(path.join(root, 'www/src/lib/dates.ts'), 'utf8');
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
const { dateParser, monthFirst } = await import(`data:text/javascript,${encodeURIComponent(js)}`);
const today = () => new Date(2026, 10, 30); // Nov 30, 2026, local time

test('typed dates: the app\'s own format, ISO, numbers in either order when only one makes a date, words', () => {
  const us = dateParser('en-US', today);
  const cases = {
    'Dec 20, 2026': '2026-12-20', 'December 20 2026': '2026-12-20', 'dec 20th, 2026': '2026-12-20', 'Dec 20': '2026-12-20',
    '20 Dec 2026': '2026-12-20', '2026-12-20': '2026-12-20', '2026-2-3': '2026-02-03',
    '12/20/2026': '2026-12-20', '20/12/2026': '2026-12-20', '12/05/2026': '2026-12-05', '12-20-26': '2026-12-20',
    '31/12/2026': '2026-12-31', 'Feb 29, 2028': '2028-02-29', ' today ': '2026-11-30', Tomorrow: '2026-12-01', yesterday: '2026-11-29',
  };
  for (const [text, day] of Object.entries(cases)) assert.equal(us(text), day, text);
});

test('typed dates: what is not a date is refused', () => {
  const us = dateParser('en-US', today);
  for (const text of ['Dec 40, 2026', 'Feb 29, 2026', '13/13/2026', '2026-13-01', '0/5/2026', 'next week', 'tomorow', '20122026',
    '1', 'Dec', '12/20', '12/20/202', 'Foo 20, 2026', '2026-12-20T10:00', '', '   ', '12/20-2026',
    // Outside the years the server keeps (1900 to 2200): a typo, refused here, not by the server.
    '12/31/9999', '2201-01-01', 'Dec 31, 1899', '1000-01-01']) {
    assert.equal(us(text), null, text);
  }
});

test('typed dates: a day-first locale reads 05/12 as the 5th of December', () => {
  assert.equal(monthFirst('en-US'), true);
  assert.equal(monthFirst('en-GB'), false);
  assert.equal(monthFirst('de-DE'), false);
  const gb = dateParser('en-GB', today);
  assert.equal(gb('05/12/2026'), '2026-12-05');
  assert.equal(gb('12/20/2026'), '2026-12-20'); // only one order makes a date
  assert.equal(gb('20 December 2026'), '2026-12-20');
  const de = dateParser('de-DE', today);
  assert.equal(de('20.12.2026'), '2026-12-20');
  assert.equal(de('20. Dezember 2026'), '2026-12-20');
  assert.equal(de('3. März 2027'), '2027-03-03');
});
