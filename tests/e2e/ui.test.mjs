// Every screen at 1440×900 and 390×844: a screenshot in tests/artifacts/ and axe-core with zero
// serious or critical violations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { artifacts, logInOnPage, openBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4180);
const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });
const date = (days) => ({ __type: 'Date', iso: new Date(Date.UTC(2026, 0, 1) + days * 86_400_000).toISOString() });

async function seed(token, colleague) {
  const names = [['Initech', 'Software', 'https://initech.example'], ['Globex', 'Energy', 'https://globex.example'], ['Umbrella Health', 'Healthcare'], ['Stark Industries', 'Manufacturing'], ['Wayne Logistics', 'Logistics']];
  const companies = [];
  for (const [name, industry, website] of names) companies.push(await rest('POST', '/classes/Company', { name, industry, website }, token));
  const people = [['Peter Gibbons', 'peter@initech.example', '+1 555 0100'], ['Hank Scorpio', 'hank@globex.example', '+1 555 0142'], ['Alice Abernathy', 'alice@umbrella.example', '+1 555 0199'], ['Pepper Potts', 'pepper@stark.example', '+1 555 0123'], ['Lucius Fox', 'lucius@wayne.example', '+1 555 0177']];
  const contacts = [];
  for (const [i, [name, email, phone]] of people.entries()) contacts.push(await rest('POST', '/classes/Contact', { name, email, phone, company: pointer('Company', companies[i].objectId) }, token));
  const stages = ['lead', 'lead', 'lead', 'qualified', 'qualified', 'proposal', 'proposal', 'negotiation', 'negotiation', 'won', 'won', 'lost'];
  const topics = ['Annual licence', 'Fleet renewal', 'Onboarding package', 'Data migration', 'Support upgrade', 'Pilot rollout', 'Security audit', 'Enterprise seats', 'Training days', 'Cloud expansion', 'Hardware refresh', 'Analytics add-on'];
  const deals = [];
  for (let i = 0; i < 24; i++) {
    const c = i % companies.length;
    deals.push(await rest('POST', '/classes/Deal', {
      title: `${topics[i % topics.length]} — ${names[c][0]}`, amount: 1500 + ((i * 3779) % 42000), stage: stages[i % stages.length],
      expectedCloseDate: date(120 + i * 23 - (i % 5 === 0 ? 400 : 0)), company: pointer('Company', companies[c].objectId), contact: pointer('Contact', contacts[c].objectId),
      // A third of the deals are a colleague's (shown by initials); lost ones say why.
      ...(i % 3 === 1 ? { assignedTo: pointer('_User', colleague.id) } : {}),
      ...(stages[i % stages.length] === 'lost' ? { lostReason: 'Chose a cheaper competitor' } : {}),
    }, token));
  }
  await rest('POST', '/classes/Activity', { type: 'meeting', subject: 'Kick-off call', dueDate: date(150), relatedTo: pointer('Deal', deals[0].objectId) }, token);
  await rest('POST', '/classes/Activity', { type: 'email', subject: 'Send proposal', dueDate: date(160), relatedTo: pointer('Deal', deals[0].objectId) }, token);
  // For My day: one overdue, one today, one this week (relative to the day the test runs).
  const today = new Date();
  const rel = (d) => ({ __type: 'Date', iso: new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate()) + d * 86_400_000).toISOString() });
  await rest('POST', '/classes/Activity', { type: 'call', subject: 'Chase signed order', dueDate: rel(-2), relatedTo: pointer('Deal', deals[3].objectId) }, token);
  await rest('POST', '/classes/Activity', { type: 'meeting', subject: 'Quarterly review', dueDate: rel(0), relatedTo: pointer('Contact', contacts[1].objectId) }, token);
  await rest('POST', '/classes/Activity', { type: 'email', subject: 'Send revised quote', dueDate: rel(2), relatedTo: pointer('Deal', deals[5].objectId) }, token);
  return { companies, contacts, deals };
}

async function axe(page, name) {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return bad.map((v) => `${name}: ${v.id} (${v.impact}) ×${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

for (const [label, viewport] of [['desktop', { width: 1440, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
  test(`every screen at ${viewport.width}×${viewport.height}: screenshot, and no serious or critical axe violation`, { timeout: 240_000 }, async () => {
    const phone = label === 'phone';
    const me = await signUp(`ui${label}`);
    const colleague = await signUp(`uicolleague${label}`);
    await rest('POST', '/classes/Profile', { objectId: colleague.id, displayName: phone ? 'Dana Ruiz' : 'Dana Reyes' }, colleague.token);
    await rest('POST', '/classes/Profile', { objectId: me.id, displayName: phone ? 'Sam Cole' : 'Sam Carter' }, me.token);
    const { companies, contacts, deals } = await seed(me.token, colleague);
    const context = await app.browser.newContext({ viewport, hasTouch: phone, isMobile: phone, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const problems = [];
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    const shot = async (name) => {
      await page.waitForTimeout(400); // transitions settle
      await page.screenshot({ path: path.join(artifacts, `${name}-${label}.png`) });
      problems.push(...(await axe(page, name)));
    };
    await page.goto(app.preview.url);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await shot('login');
    await logInOnPage(page, me);
    await shot('myday');
    // The header opens the search at either size (on a phone, an icon button).
    await page.getByRole('button', { name: /^Search/ }).locator('visible=true').click();
    await page.getByLabel('Search deals, contacts and companies').waitFor();
    await page.keyboard.press('Escape');
    await page.getByLabel('Search deals, contacts and companies').waitFor({ state: 'hidden' });
    await openBoard(page);
    await page.getByRole('article').first().waitFor();
    await shot('board');
    const dealTitle = (await rest('GET', `/classes/Deal/${deals[0].objectId}`, undefined, me.token)).title;
    await page.goto(new URL(`/deals/${deals[0].objectId}`, app.preview.url).href);
    await page.getByRole('dialog', { name: dealTitle }).getByText('Kick-off call', { exact: true }).waitFor();
    await shot('deal');
    // A deal opens without React complaining about the markup (an h2 in the drawer's h2 title).
    // (A production build does not warn: check the markup too.)
    assert.deepEqual(consoleErrors.filter((e) => /cannot be a child|cannot contain a nested|validateDOMNesting/i.test(e)), []);
    assert.equal(await page.locator('h1 h1, h1 h2, h2 h1, h2 h2, h2 h3, h3 h2').count(), 0, 'a heading inside a heading');
    for (const [route, ready, name] of [
      ['/contacts', 'Peter Gibbons', 'contacts'],
      [`/contacts/${contacts[0].objectId}`, 'Save contact', 'contact'],
      ['/companies', 'Initech', 'companies'],
      [`/companies/${companies[0].objectId}`, 'Save company', 'company'],
      ['/dashboard', 'Weighted forecast by month of expected close', 'dashboard'],
      ['/settings', 'Your profile', 'settings'],
    ]) {
      await page.goto(new URL(route, app.preview.url).href);
      await page.getByText(ready, { exact: true }).first().waitFor();
      if (name === 'dashboard') await page.locator('.recharts-bar-rectangle').first().waitFor();
      await shot(name);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
}
