// CSV import and export: a file with bad rows and duplicates (errors in words, nothing bad
// created), the same file again (nothing created twice), a cut connection in the middle of an
// import and the retry (each row created once), companies a file names that do not exist
// (created once, linked, through a cut connection too), contacts a deal file names that do not
// exist (the same), and the export of a filtered list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { boardUrl, logInToBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4182);

async function chooseFile(page, kind, name, text) {
  await page.getByRole('radiogroup', { name: 'What to import' }).getByText(kind, { exact: true }).click();
  await page.locator('input[type="file"]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  await page.getByTestId('import-file').filter({ hasText: name }).waitFor();
}

async function count(className, token) {
  const r = await rest('GET', `/classes/${className}?limit=0&count=1`, undefined, token);
  return r.count;
}

const summary = (page) => page.getByTestId('import-summary');

test('import contacts: bad rows and duplicates in words, then the same file again creates nothing', async () => {
  const me = await signUp('import');
  await rest('POST', '/classes/Contact', { name: 'Already Here', email: 'dup@example.com' }, me.token);
  const csv = [
    'Full name,E-mail,Phone',
    'Ada Lovelace,ada@x.test,+44 20 7946 0000',
    'Grace\u0007 Hopper,grace@x.test,', // a control character the server refuses: left out
    'Bad Mail,not-an-email,',
    ',,', // a blank row: skipped, the lines after it keep their numbers
    ',nobody@x.test,',
    'Dup Person,DUP@example.com,',
    'Ada Again,ADA@x.test,',
    '"Łukasz Żółw, Jr.",lukasz@x.test,555 0101',
  ].join('\n') + '\n';
  const { context, page, errors } = await logInToBoard(app, me);
  await page.getByRole('link', { name: 'Import' }).click();
  await chooseFile(page, 'Contacts', 'people.csv', csv);
  await page.getByTestId('import-file').filter({ hasText: '7 rows' }).filter({ hasText: '(1 blank row skipped)' }).waitFor();
  // The mapping was guessed from the headers.
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '3 to import' }).waitFor({ timeout: 15_000 });
  const s = await summary(page).textContent();
  assert.match(s, /2 duplicates/);
  assert.match(s, /2 with errors/);
  const problems = await page.getByTestId('import-problems').textContent();
  assert.match(problems, /Line 4: “not-an-email” is not an e-mail address/);
  assert.match(problems, /Line 6: the name is empty/);
  assert.match(problems, /Line 7: duplicate — a contact with the e-mail “DUP@example.com” already exists/);
  assert.match(problems, /Line 8: duplicate — same e-mail as line 2/);
  // The preview shows each cell as it will be saved: the control character is not in it.
  const preview = await page.getByRole('table', { name: 'Rows to import' }).textContent();
  assert.match(preview, /Grace Hopper/);
  assert.doesNotMatch(preview, /\u0007/);

  await page.getByRole('button', { name: 'Import 3 rows' }).click();
  await page.getByTestId('import-outcome').filter({ hasText: 'Created 3. Already there: 0. Failed: 0.' }).waitFor({ timeout: 20_000 });
  assert.equal(await count('Contact', me.token), 4);
  const where = encodeURIComponent(JSON.stringify({ email: 'lukasz@x.test' }));
  const lukasz = await rest('GET', `/classes/Contact?where=${where}`, undefined, me.token);
  assert.equal(lukasz.results[0].name, 'Łukasz Żółw, Jr.');
  assert.equal(lukasz.results[0].phone, '555 0101');
  const grace = await rest('GET', `/classes/Contact?where=${encodeURIComponent(JSON.stringify({ email: 'grace@x.test' }))}`, undefined, me.token);
  assert.equal(grace.results[0].name, 'Grace Hopper');

  // The same file again: every good row is known, nothing to import, nothing created.
  await page.reload();
  await chooseFile(page, 'Contacts', 'people.csv', csv);
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '0 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await summary(page).textContent(), /3 already imported/);
  assert.equal(await page.getByRole('button', { name: 'Import 0 rows' }).isDisabled(), true);
  assert.equal(await count('Contact', me.token), 4);
  assert.deepEqual(errors, []);
  await context.close();
});

test('import deals through a cut connection: the retry creates each row once', async () => {
  const me = await signUp('importcut');
  const csv = [
    'Title,Amount,Stage,Expected close',
    'Cut one,"1,200.50",Proposal,2027-01-15',
    'Cut two,300,lead,',
    'Cut three,12x,lead,',
    'Cut four,50,Closing,',
    'Cut five,70,won,2027-02-30',
    'Cut six,,negotiation,2027-03-01',
    'Cut seven,-300,lead,',
    'Cut eight,-5,Closing,2027-02-30',
  ].join('\n');
  const { context, page } = await logInToBoard(app, me);
  await page.getByRole('link', { name: 'Import' }).click();
  await chooseFile(page, 'Deals', 'deals.csv', csv);
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '3 to import' }).waitFor({ timeout: 15_000 });
  const problems = await page.getByTestId('import-problems').textContent();
  assert.match(problems, /Line 4: the amount “12x” is not a number/);
  assert.match(problems, /Line 5: the stage “Closing” is not one of Lead, Qualified, Proposal, Negotiation, Won, Lost/);
  assert.match(problems, /Line 6: the date “2027-02-30” is not a day the import can read \(2026-12-20, 20\/12\/2026 or Dec 20 2026\)/);
  // A negative amount is an error of the check, not of the save; and a row's every problem is told.
  assert.match(problems, /Line 8: the amount “-300” is negative/);
  assert.match(problems, /Line 9: the amount “-5” is negative; the stage “Closing” is not one of [^;]*; the date “2027-02-30” is not a day/);

  // The first /batch reaches the server, its answer is lost, and every retry is cut.
  let forwarded = 0;
  await page.route('**/parse/batch', async (route) => {
    if (forwarded++ === 0) await route.fetch();
    await route.abort('connectionreset');
  });
  await page.getByRole('button', { name: 'Import 3 rows' }).click();
  await page.getByTestId('import-outcome').filter({ hasText: 'Failed: 3.' }).waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('import-outcome').textContent(), /Cannot reach the server/);
  assert.equal(await count('Deal', me.token), 3, 'the server did create the rows');

  // The connection is back: checking again finds them all, and nothing is created twice.
  await page.unroute('**/parse/batch');
  await page.getByRole('button', { name: 'Check again and import the rest' }).click();
  await summary(page).filter({ hasText: '3 already imported' }).waitFor({ timeout: 15_000 });
  assert.match(await summary(page).textContent(), /0 to import/);
  assert.equal(await count('Deal', me.token), 3);
  const where = encodeURIComponent(JSON.stringify({ title: 'Cut one' }));
  const one = (await rest('GET', `/classes/Deal?where=${where}`, undefined, me.token)).results[0];
  assert.equal(one.amount, 1200.5);
  assert.equal(one.stage, 'proposal');
  assert.equal(one.expectedCloseDate.iso, '2027-01-15T00:00:00.000Z');
  // Its card shows the amount as imported, cents and all (it was rounded to $1,201).
  await page.getByRole('link', { name: 'Pipeline' }).click();
  await page.getByText('$1,200.50').first().waitFor({ timeout: 15_000 });
  await context.close();
});

async function all(className, token) {
  return (await rest('GET', `/classes/${className}?limit=1000`, undefined, token)).results;
}

test("import deals exported from another CRM or a spreadsheet: its dates, stage names and amounts are read as the app's own fields read them", async () => {
  const me = await signUp('importmessy');
  // Every row of this file was refused: only 2026-12-20 was a date, "Closed Won" no stage, and
  // "€3.400,00" no amount.
  // Also refused: dates with a time, HubSpot's "Decision Maker Bought-In"; its "Closed Lost
  // Reason" was not read.
  const csv = [
    'Deal Name,Amount,Deal Stage,Close Date,Closed Lost Reason',
    'Messy one,"€3.400,00",Closed Won,15/12/2026,',
    'Messy two,$1200.5,Proposal/Price Quote,12/20/2026,',
    'Messy three,"3 400,5",Negotiation/Review,Dec 20 2026,',
    'Messy four,900,Closed Lost,20 Dec 2026,Went with a competitor',
    'Messy five,100,Prospecting,31/02/2026,',
    'Messy six,250,Decision Maker Bought-In,2026-12-21 16:45,',
    'Messy seven,260,Closed Lost,2026-12-22T09:30:00Z,No budget',
  ].join('\n');
  const { context, page } = await logInToBoard(app, me);
  await page.getByRole('link', { name: 'Import' }).click();
  await chooseFile(page, 'Deals', 'hubspot.csv', csv);
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '6 to import' }).waitFor({ timeout: 15_000 });
  // A day that does not exist is still refused, never read as another.
  assert.match(await page.getByTestId('import-problems').textContent(), /Line 6: the date “31\/02\/2026” is not a day/);
  await page.getByRole('button', { name: 'Import 6 rows' }).click();
  await page.getByTestId('import-outcome').filter({ hasText: 'Created 6. Already there: 0. Failed: 0.' }).waitFor({ timeout: 30_000 });
  const deals = (await rest('GET', '/classes/Deal?order=title', undefined, me.token)).results;
  assert.deepEqual(deals.map((d) => [d.title, d.amount, d.stage, d.expectedCloseDate.iso.slice(0, 10), d.lostReason]), [
    ['Messy four', 900, 'lost', '2026-12-20', 'Went with a competitor'],
    ['Messy one', 3400, 'won', '2026-12-15', undefined],
    ['Messy seven', 260, 'lost', '2026-12-22', 'No budget'],
    ['Messy six', 250, 'negotiation', '2026-12-21', undefined],
    ['Messy three', 3400.5, 'negotiation', '2026-12-20', undefined],
    ['Messy two', 1200.5, 'proposal', '2026-12-20', undefined],
  ]);
  await context.close();
});

// A file is written in one order: "03/04/2027" beside "15/03/2027" is April 3, though the
// browser writes the month first. Each date was read alone (03/04 as March 4), and the preview
// showed the text, not the day it would save (found by a newcomer).
test('import deals whose dates are day first: the file tells the order, and the preview shows the day each row will get; 25k is 25,000', async () => {
  const me = await signUp('importdayfirst');
  const { context, page } = await logInToBoard(app, me);
  assert.equal(await page.evaluate(() => new Intl.DateTimeFormat().formatToParts(new Date(2026, 11, 20)).find((p) => p.type !== 'literal').type), 'month', 'the browser writes the month first');
  await page.getByRole('link', { name: 'Import' }).click();
  await chooseFile(page, 'Deals', 'european.csv', [
    'Title,Amount,Stage,Close date',
    'EU delta,25k,Lead,15/03/2027',
    'EU epsilon,200,Lead,03/04/2027',
    'EU zeta,300,Lead,04.05.2027',
  ].join('\n'));
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '3 to import' }).waitFor({ timeout: 15_000 });
  const preview = page.getByRole('table', { name: 'Rows to import' });
  await preview.getByRole('cell', { name: 'Apr 3, 2027' }).waitFor();
  await preview.getByRole('cell', { name: 'May 4, 2027' }).waitFor();
  await page.getByRole('button', { name: /^Import 3 rows/ }).click();
  await page.getByTestId('import-outcome').filter({ hasText: 'Created 3.' }).waitFor({ timeout: 30_000 });
  const deals = (await rest('GET', '/classes/Deal?order=title', undefined, me.token)).results;
  // The amount field's shorthand, which the import refused.
  assert.equal(deals[0].amount, 25_000);
  assert.deepEqual(deals.map((d) => [d.title, d.expectedCloseDate.iso.slice(0, 10)]), [
    ['EU delta', '2027-03-15'],
    ['EU epsilon', '2027-04-03'],
    ['EU zeta', '2027-05-04'],
  ]);
  await context.close();
});

// Salesforce's and Pipedrive's deal exports name their columns their own way: "Opportunity
// Name" and "Account Name" were not matched (no title: every row refused), nor were "Deal -
// Title", "Organization - Name" and "Person - Name"; "USD 1,000.00" was no amount, and a deal
// Pipedrive says is won came in open, in its last stage.
test("import deals with Salesforce's and Pipedrive's column names: title, company, contact, owner and won/lost status matched without asking", async () => {
  const me = await signUp('importnames');
  const colleague = await signUp('importowner');
  const owner = `Rep ${Date.now()}`;
  await rest('POST', '/classes/Profile', { objectId: colleague.id, displayName: owner }, colleague.token);
  const ada = await rest('POST', '/classes/Contact', { name: 'Ada Lovelace', email: 'ada@example.com' }, me.token);
  const { context, page } = await logInToBoard(app, me);
  await page.getByRole('link', { name: 'Import' }).click();
  // The owner by the name the team knows them by (the export's Owner column), in any case.
  await chooseFile(page, 'Deals', 'salesforce.csv', [
    'Opportunity Name,Account Name,Amount,Stage,Close Date,Opportunity Owner',
    `SF one,Initech,"USD 1,000.00",Prospecting,12/20/2026,${owner.toUpperCase()}`,
    'SF two,Initech,500,Prospecting,12/21/2026,Nobody Here',
  ].join('\n'));
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '1 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('import-problems').textContent(), /Line 3: there is no colleague named “Nobody Here”/);
  await page.getByRole('button', { name: /^Import 1 row/ }).click();
  await page.getByTestId('import-outcome').filter({ hasText: 'Created 1.' }).waitFor({ timeout: 30_000 });
  await page.getByRole('link', { name: 'Import' }).click();
  // Pipedrive keeps a won or lost deal in its last stage and says won or lost in its status.
  await chooseFile(page, 'Deals', 'pipedrive.csv', [
    'Deal - Title,Deal - Value,Deal - Status,Deal - Stage,Organization - Name,Person - Name,Deal - Lost reason',
    'PD one,2000,open,Qualified,Initech,Ada Lovelace,',
    'PD won,3000,won,Negotiations Started,Initech,Ada Lovelace (ADA@example.com),',
    'PD lost,4000,lost,Qualified,Initech,,Went with a competitor',
  ].join('\n'));
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '3 to import' }).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: /^Import 3 rows/ }).click();
  await page.getByTestId('import-outcome').filter({ hasText: 'Created 3.' }).waitFor({ timeout: 30_000 });
  const companies = (await rest('GET', '/classes/Company', undefined, me.token)).results;
  assert.deepEqual(companies.map((c) => c.name), ['Initech'], 'one company, named by both files');
  const deals = (await rest('GET', '/classes/Deal?order=title', undefined, me.token)).results;
  assert.deepEqual(deals.map((d) => [d.title, d.amount, d.stage, d.company?.objectId, d.contact?.objectId, d.assignedTo?.objectId, d.lostReason]), [
    ['PD lost', 4000, 'lost', companies[0].objectId, undefined, me.id, 'Went with a competitor'],
    ['PD one', 2000, 'qualified', companies[0].objectId, ada.objectId, me.id, undefined],
    ['PD won', 3000, 'won', companies[0].objectId, ada.objectId, me.id, undefined],
    ['SF one', 1000, 'lead', companies[0].objectId, undefined, colleague.id, undefined],
  ]);
  // The colleague sees the deal they now own.
  assert.deepEqual((await rest('GET', '/classes/Deal', undefined, colleague.token)).results.map((d) => d.title), ['SF one']);
  // The owner is no part of a row's identity: the same rows without it (a file exported before
  // the import read owners) are the rows imported already.
  await page.reload();
  await chooseFile(page, 'Deals', 'salesforce-again.csv', [
    'Opportunity Name,Account Name,Amount,Stage,Close Date',
    'SF one,Initech,"USD 1,000.00",Prospecting,12/20/2026',
  ].join('\n'));
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '0 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await summary(page).textContent(), /1 already imported/);
  await context.close();
});

test('import contacts naming companies the server lacks: each created once and linked; the same file again creates nothing', async () => {
  const me = await signUp('importco');
  const existing = await rest('POST', '/classes/Company', { name: 'Existing Co' }, me.token);
  const csv = [
    'Name,Email,Organization',
    'Ann Acme,ann@x.test,Acme',
    'Bob Acme,bob@x.test,ACME ', // the same company: its name folded
    'Cat Existing,cat@x.test,existing co', // a company the server has: linked, not created
    'Dan Globex,dan@x.test,Globex',
    'Eve Nobody,eve@x.test,',
    'Bad Mail,not-an-email,Initech', // refused, so its company is not created either
    'Fay Émigré,fay@x.test,Émile & Sons',
    'Gus Acme,gus@x.test,acme',
  ].join('\n');
  const { context, page, errors } = await logInToBoard(app, me);
  await page.getByRole('link', { name: 'Import' }).click();
  await chooseFile(page, 'Contacts', 'crm-export.csv', csv);
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '7 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await summary(page).textContent(), /1 with errors/);
  // Before anything is written, the preview names the companies it will create (as first written).
  const told = page.getByTestId('import-new-companies');
  assert.match(await told.textContent(), /3 new companies will be created: Acme, Globex, Émile & Sons/);
  // The preview shows the name and then the company (on a phone the company was past the edge).
  const headers = await page.getByRole('table', { name: 'Rows to import' }).getByRole('columnheader').allTextContents();
  assert.deepEqual(headers.slice(0, 3), ['Line', 'Name', 'Company (name)']);
  assert.match(await page.getByTestId('import-problems').textContent(), /Line 7: “not-an-email” is not an e-mail address/);
  // The column can still be left out: then no company is created and the rows are not linked.
  await page.getByLabel('Company (name)').selectOption('');
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '7 to import' }).waitFor({ timeout: 15_000 });
  assert.equal(await told.count(), 0);
  await page.getByLabel('Company (name)').selectOption('Organization');
  await page.getByRole('button', { name: 'Check rows' }).click();
  await told.waitFor({ timeout: 15_000 });
  assert.equal(await count('Company', me.token), 1, 'nothing written before the import');

  await page.getByRole('button', { name: 'Import 7 rows and 3 new companies' }).click();
  const outcome = page.getByTestId('import-outcome');
  await outcome.filter({ hasText: 'Created 7. Already there: 0. Failed: 0.' }).waitFor({ timeout: 20_000 });
  assert.match(await outcome.textContent(), /New companies: created 3, already there 0, failed 0\./);
  const companies = await all('Company', me.token);
  assert.deepEqual(companies.map((c) => c.name).sort(), ['Acme', 'Existing Co', 'Globex', 'Émile & Sons']);
  const companyId = Object.fromEntries(companies.map((c) => [c.name, c.objectId]));
  assert.equal(companyId['Existing Co'], existing.objectId);
  const linked = Object.fromEntries((await all('Contact', me.token)).map((c) => [c.name, c.company?.objectId ?? null]));
  assert.deepEqual(linked, {
    'Ann Acme': companyId.Acme, 'Bob Acme': companyId.Acme, 'Gus Acme': companyId.Acme, 'Cat Existing': existing.objectId,
    'Dan Globex': companyId.Globex, 'Eve Nobody': null, 'Fay Émigré': companyId['Émile & Sons'],
  });

  // The same file again: every row is known, no company is new, nothing is created.
  await page.reload();
  await chooseFile(page, 'Contacts', 'crm-export.csv', csv);
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '0 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await summary(page).textContent(), /7 already imported/);
  assert.equal(await told.count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Import 0 rows' }).isDisabled(), true);
  assert.equal(await count('Company', me.token), 4);
  assert.equal(await count('Contact', me.token), 7);
  assert.deepEqual(errors, []);
  await context.close();
});

test('import deals naming a new company through a cut connection: the company is created once and the retry links to it', async () => {
  const me = await signUp('importcocut');
  const csv = [
    'Title,Amount,Organization,Contact',
    'Co cut A,10,Initrode,',
    'Co cut B,20,initrode,',
    'Co cut C,30,Initrode,nobody@known.example', // an unknown contact by e-mail alone is an error (no name to create it with)
  ].join('\n');
  const { context, page, errors } = await logInToBoard(app, me);
  await page.getByRole('link', { name: 'Import' }).click();
  await chooseFile(page, 'Deals', 'co-deals.csv', csv);
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '2 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('import-problems').textContent(), /Line 4: there is no contact with the e-mail “nobody@known\.example” \(to create one, give its name too: “Name \(e-mail\)”\)/);
  assert.match(await page.getByTestId('import-new-companies').textContent(), /1 new company will be created: Initrode/);

  // The first /batch (the new company) reaches the server, its answer is lost, and every other
  // request is cut: the rows naming the company are not sent.
  let forwarded = 0;
  await page.route('**/parse/batch', async (route) => {
    if (forwarded++ === 0) await route.fetch();
    await route.abort('connectionreset');
  });
  await page.getByRole('button', { name: 'Import 2 rows and 1 new company' }).click();
  const outcome = page.getByTestId('import-outcome');
  await outcome.filter({ hasText: 'Created 0. Already there: 0. Failed: 2.' }).waitFor({ timeout: 30_000 });
  assert.match(await outcome.textContent(), /Line 2: not imported: the new company “Initrode” could not be created: Cannot reach the server/);
  assert.equal(await count('Company', me.token), 1, 'the server did create the company');
  assert.equal(await count('Deal', me.token), 0);

  // The connection is back: the company is found by its name, linked, not created again.
  await page.unroute('**/parse/batch');
  await page.getByRole('button', { name: 'Check again and import the rest' }).click();
  await summary(page).filter({ hasText: '2 to import' }).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId('import-new-companies').count(), 0);
  await page.getByRole('button', { name: 'Import 2 rows' }).click();
  await outcome.filter({ hasText: 'Created 2. Already there: 0. Failed: 0.' }).waitFor({ timeout: 20_000 });
  const companies = await all('Company', me.token);
  assert.deepEqual(companies.map((c) => c.name), ['Initrode']);
  assert.deepEqual((await all('Deal', me.token)).map((d) => d.company?.objectId), [companies[0].objectId, companies[0].objectId]);
  assert.deepEqual(errors, []);
  await context.close();
});

test('import deals naming contacts the server lacks: each created once, at its deal’s company, and linked; the same file again creates nothing', async () => {
  const me = await signUp('importct');
  const known = await rest('POST', '/classes/Contact', { name: 'Known Person', email: 'known@x.test' }, me.token);
  const csv = [
    'Deal - Title,Deal - Value,Organization - Name,Person - Name',
    'Hooli platform,100,Hooli,Gavin Belson (gavin@hooli.test)',
    'Hooli renewal,200,Hooli,gavin belson', // the same new contact: its name folded
    'Known deal,300,,Known Person', // a contact the server has: linked, not created
    'By mail,400,,known@x.test', // the same one, by its e-mail
    'Pied deal,500,Pied Piper,Richard Hendricks <richard@pp.test>',
    'Lonely deal,600,,Jared Dunn', // a new contact at no company
    'Bad deal,-5,Nowhere Inc,Nobody Real', // refused, so neither its company nor its contact is created
  ].join('\n');
  const { context, page, errors } = await logInToBoard(app, me);
  await page.getByRole('link', { name: 'Import' }).click();
  await chooseFile(page, 'Deals', 'pipedrive-deals.csv', csv);
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '6 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('import-new-contacts').textContent(), /3 new contacts will be created: Gavin Belson, Richard Hendricks, Jared Dunn/);
  assert.match(await page.getByTestId('import-new-companies').textContent(), /2 new companies will be created: Hooli, Pied Piper/);
  assert.match(await page.getByTestId('import-problems').textContent(), /Line 8: the amount “-5” is negative/);
  assert.equal(await count('Contact', me.token), 1, 'nothing written before the import');

  await page.getByRole('button', { name: 'Import 6 rows, 2 new companies and 3 new contacts' }).click();
  const outcome = page.getByTestId('import-outcome');
  await outcome.filter({ hasText: 'Created 6. Already there: 0. Failed: 0.' }).waitFor({ timeout: 20_000 });
  assert.match(await page.getByTestId('import-outcome-contacts').textContent(), /New contacts: created 3, already there 0, failed 0\./);
  const companyId = Object.fromEntries((await all('Company', me.token)).map((c) => [c.name, c.objectId]));
  assert.deepEqual(Object.keys(companyId).sort(), ['Hooli', 'Pied Piper']);
  const contacts = await all('Contact', me.token);
  const contact = Object.fromEntries(contacts.map((c) => [c.name, c]));
  assert.deepEqual(contacts.map((c) => [c.name, c.email ?? null, c.company?.objectId ?? null]).sort(), [
    ['Gavin Belson', 'gavin@hooli.test', companyId.Hooli],
    ['Jared Dunn', null, null],
    ['Known Person', 'known@x.test', null],
    ['Richard Hendricks', 'richard@pp.test', companyId['Pied Piper']],
  ]);
  const deals = Object.fromEntries((await all('Deal', me.token)).map((d) => [d.title, d.contact?.objectId ?? null]));
  assert.deepEqual(deals, {
    'Hooli platform': contact['Gavin Belson'].objectId, 'Hooli renewal': contact['Gavin Belson'].objectId,
    'Known deal': known.objectId, 'By mail': known.objectId,
    'Pied deal': contact['Richard Hendricks'].objectId, 'Lonely deal': contact['Jared Dunn'].objectId,
  });

  // The same file again: every row is known, no contact or company is new, nothing is created.
  await page.reload();
  await chooseFile(page, 'Deals', 'pipedrive-deals.csv', csv);
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '0 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await summary(page).textContent(), /6 already imported/);
  assert.equal(await page.getByTestId('import-new-contacts').count(), 0);
  assert.equal(await count('Contact', me.token), 4);
  assert.equal(await count('Deal', me.token), 6);
  assert.deepEqual(errors, []);
  await context.close();
});

// The app's import id for a row, as plan.ts computes it: a hash of the user's import key (a
// secret in their private Settings; none before it existed), the user, the class, the mapped
// values and the row's repeat count.
async function importId(userId, className, values, key) {
  const text = `${key === undefined ? '' : `${key}\n`}${userId}\n${className}\n${JSON.stringify(values)}\n0`;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return `i${Buffer.from(digest).subarray(0, 12).toString('hex')}`;
}

test("import ids cannot be computed by another user; an id taken anyway is reported, never counted as imported", async () => {
  const me = await signUp('importvictim');
  const other = await signUp('importsquatter');
  // Before the import key, ids were a hash of public facts: another user created deals under
  // the victim's ids first, and those rows could never be imported (the id is theirs for good).
  // Deal fields in import order: title, amount, stage, expected close, company, contact, notes (a
  // lost reason, added later, joins the id only when a row has one: the ids of files imported
  // before it came stay the same, so importing them again creates nothing twice).
  const squatAssigned = await importId(me.id, 'Deal', ['Squat one', '10', 'lead', '', '', '', '']);
  const squatHidden = await importId(me.id, 'Deal', ['Squat two', '20', 'lead', '', '', '', '']);
  // One squatted deal is assigned to the victim (so the victim can read it), one is not.
  await rest('POST', '/classes/Deal', { objectId: squatAssigned, title: 'Squat one', amount: 10, stage: 'lead',
    assignedTo: { __type: 'Pointer', className: '_User', objectId: me.id } }, other.token);
  await rest('POST', '/classes/Deal', { objectId: squatHidden, title: 'Squat two', amount: 20, stage: 'lead' }, other.token);
  const csv = ['Title,Amount,Stage', 'Squat one,10,lead', 'Squat two,20,lead', 'Mine,30,lead'].join('\n');
  const { context, page, errors } = await logInToBoard(app, me);
  await page.getByRole('link', { name: 'Import' }).click();
  await chooseFile(page, 'Deals', 'squat.csv', csv);
  await page.getByRole('button', { name: 'Check rows' }).click();
  // The readable squatted deal is not the victim's: it is not "already imported".
  await summary(page).filter({ hasText: '3 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await summary(page).textContent(), /0 already imported/);
  await page.getByRole('button', { name: 'Import 3 rows' }).click();
  const outcome = page.getByTestId('import-outcome');
  await outcome.filter({ hasText: 'Created 3. Already there: 0. Failed: 0.' }).waitFor({ timeout: 20_000 });
  const mine = async () => (await rest('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify({ createdBy: { __type: 'Pointer', className: '_User', objectId: me.id } }))}&order=title`, undefined, me.token)).results.map((d) => d.title);
  assert.deepEqual(await mine(), ['Mine', 'Squat one', 'Squat two']);
  // The key is the victim's alone (their Settings are private): another user cannot read it.
  const settings = await rest('GET', `/classes/Settings/${me.id}`, undefined, me.token);
  assert.match(settings.importKey ?? '', /^[0-9a-f]{32}$/);
  assert.equal((await rest('GET', `/classes/Settings/${me.id}`, undefined, other.token)).importKey, undefined);
  // An id taken anyway (here with the key, which only the victim reads) is reported as such.
  const taken = await importId(me.id, 'Deal', ['Squat three', '40', 'lead', '', '', '', ''], settings.importKey);
  await rest('POST', '/classes/Deal', { objectId: taken, title: 'Squat three', amount: 40, stage: 'lead' }, other.token);
  await page.getByRole('link', { name: 'Import' }).click();
  await chooseFile(page, 'Deals', 'squat3.csv', ['Title,Amount,Stage', 'Squat three,40,lead', 'Mine,30,lead'].join('\n'));
  await page.getByRole('button', { name: 'Check rows' }).click();
  await summary(page).filter({ hasText: '1 to import' }).waitFor({ timeout: 15_000 });
  assert.match(await summary(page).textContent(), /1 already imported/);
  await page.getByRole('button', { name: 'Import 1 row' }).click();
  await outcome.filter({ hasText: 'Created 0. Already there: 0. Failed: 1.' }).waitFor({ timeout: 20_000 });
  assert.match(await outcome.textContent(), /another user already has this row’s import id/);
  assert.deepEqual(await mine(), ['Mine', 'Squat one', 'Squat two']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('export: the contacts list as shown, with its filter, and the board', async () => {
  const me = await signUp('export');
  const co = await rest('POST', '/classes/Company', { name: 'Zed & Co' }, me.token);
  const zola = await rest('POST', '/classes/Contact', { name: 'Émile Zola', email: 'emile@x.test', phone: '+33 1 23', company: { __type: 'Pointer', className: 'Company', objectId: co.objectId } }, me.token);
  await rest('POST', '/classes/Contact', { name: 'Other Person', email: 'other@x.test', notes: '=HYPERLINK("evil")' }, me.token);
  await rest('POST', '/classes/Deal', { title: 'Exported deal', amount: 42, stage: 'won' }, me.token);
  // A deal's contact is named in its column (it was always empty: a file read back lost them).
  await rest('POST', '/classes/Deal', { title: 'Zola deal', amount: 7, stage: 'lead', company: { __type: 'Pointer', className: 'Company', objectId: co.objectId }, contact: { __type: 'Pointer', className: 'Contact', objectId: zola.objectId } }, me.token);
  const { context, page } = await logInToBoard(app, me);

  const download = async () => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    return (await readFile(await d.path(), 'utf8')).replace(/^\ufeff/, '');
  };
  await page.goto(`${app.preview.url}contacts`);
  await page.getByRole('link', { name: 'Émile Zola' }).waitFor({ timeout: 10_000 });
  const all = await download();
  // In the list's order (by name, É with E); a formula is written so it does not run.
  assert.equal(all, 'Name,Email,Phone,Company,Notes\r\nÉmile Zola,emile@x.test,+33 1 23,Zed & Co,\r\nOther Person,other@x.test,,,"\'=HYPERLINK(""evil"")"');
  // With the list's filter: only what it shows.
  await page.getByRole('textbox', { name: 'Search contacts' }).fill('zola');
  await page.getByRole('link', { name: 'Other Person' }).waitFor({ state: 'detached' });
  assert.equal(await download(), 'Name,Email,Phone,Company,Notes\r\nÉmile Zola,emile@x.test,+33 1 23,Zed & Co,');

  await page.goto(boardUrl(app));
  await page.getByText('Exported deal').waitFor({ timeout: 10_000 });
  const deals = await download();
  // With each deal's owner, by the name the team sees (here the user's own).
  assert.equal(deals, `Title,Amount,Stage,Expected close,Company,Contact,Notes,Lost reason,Owner\r\nZola deal,7,Lead,,Zed & Co,Émile Zola,,,${me.username}\r\nExported deal,42,Won,,,,,,${me.username}`);
  await context.close();
});
