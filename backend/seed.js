// Seeds the demo user and their CRM data through the public REST API (so Cloud Code sets
// createdBy and ACLs exactly as for a real user). Idempotent: an existing demo user with data
// is left alone; a run that stopped half-way is cleared and redone. Object ids are random
// (never guessable names like "demoDeal1"). Usage: node seed.js [serverUrl]
'use strict';
const crypto = require('crypto');

const serverUrl = process.argv[2] || process.env.PARSE_SERVER_URL || 'http://127.0.0.1:1337/parse';
// With the instance's database (the run command passes it), deals get the ages a real pipeline
// has: Parse sets createdAt itself at the time of the seed, so "average age by stage" would read
// "less than an hour" everywhere.
const databaseUri = process.argv[3] || process.env.CRM_SEED_DATABASE_URI;
const DEMO = { username: 'demo', password: 'demo-password', email: 'demo@example.com' };
// Two colleagues, so the demo shows a team: owners on the cards, the owner filter, hand-overs.
// Each sees only the demo deals assigned to them, what those link to (cloud/sharing.js), and their own data.
const TEAMMATES = [
  { username: 'alex', password: 'demo-password', email: 'alex@example.com', displayName: 'Alex Rivera' },
  { username: 'sam', password: 'demo-password', email: 'sam@example.com', displayName: 'Sam Chen' },
];
const HEADERS = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'Content-Type': 'application/json' };
const { stages: STAGES, activityTypes: ACTIVITY_TYPES, closedStages } = require('./crm-vocabulary.json');
const CLOSED = new Set(closedStages);
const DAY = 86400000;

async function call(method, route, body, token) {
  const headers = { ...HEADERS };
  if (token) headers['X-Parse-Session-Token'] = token;
  const res = await fetch(serverUrl + route, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json();
  if (!res.ok) throw Object.assign(new Error(`${method} ${route}: ${json.error}`), { code: json.code });
  return json;
}

// A small deterministic generator, so every fresh install shows the same demo board.
let state = 42;
const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (list) => list[Math.floor(rand() * list.length)];

/** Logs `user` in, signing them up the first time: their session token and id. */
async function session(user) {
  const { username, password, email } = user;
  try {
    const { sessionToken, objectId } = await call('POST', '/login', { username, password });
    return { token: sessionToken, id: objectId };
  } catch (e) {
    if (e.code !== 101) throw e;
    const { sessionToken, objectId } = await call('POST', '/users', { username, password, email });
    return { token: sessionToken, id: objectId };
  }
}

/** The user's team profile (their display name), created by them if they have none. */
async function ensureProfile({ token, id }, displayName) {
  try {
    await call('GET', `/classes/Profile/${id}`, undefined, token);
  } catch (e) {
    if (e.code !== 101) throw e;
    await call('POST', '/classes/Profile', { objectId: id, displayName }, token);
  }
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomId = () => Array.from(crypto.randomBytes(16), (b) => ID_CHARS[b % ID_CHARS.length]).join('');

async function batch(token, method, className, objects) {
  for (let i = 0; i < objects.length; i += 50) {
    const requests = objects.slice(i, i + 50).map((o) => (method === 'DELETE'
      ? { method, path: `/parse/classes/${className}/${o.objectId}` }
      : { method, path: `/parse/classes/${className}`, body: o }));
    const results = await call('POST', '/batch', { requests }, token);
    const failed = results.filter((r) => r.error);
    if (failed.length) throw new Error(`${className}: ${JSON.stringify(failed[0].error)}`);
  }
}

// What a run that stopped half-way left behind (the demo user's own objects only).
async function clearPartialSeed(token) {
  for (const className of ['Activity', 'Deal', 'Contact', 'Company']) {
    const { results } = await call('GET', `/classes/${className}?limit=1000&keys=objectId`, undefined, token);
    await batch(token, 'DELETE', className, results);
  }
}

const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });
const date = (d) => ({ __type: 'Date', iso: d.toISOString() });

/** Gives each seeded deal an age: created 1 to 120 days ago (later stages older; a closed one
 * before its close date), last changed since. Straight in PostgreSQL, as no API lets a client choose createdAt. */
async function backdate(deals) {
  const { Client } = require('pg');
  const db = new Client({ connectionString: databaseUri });
  await db.connect();
  try {
    const now = Date.now();
    await db.query('BEGIN');
    for (const d of deals) {
      const rank = Math.max(0, STAGES.indexOf(d.stage));
      const ageDays = 1 + Math.round(rand() * 40 + rank * 14);
      let created = new Date(now - ageDays * DAY - Math.round(rand() * DAY));
      // A won or lost deal was made before it closed (17 of 63 closed "before they were made",
      // and the dashboard's ages left them out).
      const closed = CLOSED.has(d.stage) ? Date.parse(d.expectedCloseDate.iso) : undefined;
      if (closed !== undefined && created.getTime() >= closed) created = new Date(closed - (1 + (ageDays % 7)) * DAY);
      const updated = new Date(created.getTime() + Math.round(rand() * (now - created.getTime())));
      await db.query('UPDATE "Deal" SET "createdAt" = $1, "updatedAt" = $2 WHERE "objectId" = $3', [created, updated, d.objectId]);
    }
    await db.query('COMMIT');
  } finally {
    await db.end();
  }
}

async function main() {
  const demo = await session(DEMO);
  const token = demo.token;
  await ensureProfile(demo, 'Dana Demo');
  const team = [];
  for (const mate of TEAMMATES) {
    const member = await session(mate);
    await ensureProfile(member, mate.displayName);
    team.push(member);
  }
  const existing = await call('GET', '/classes/Deal?limit=0&count=1', undefined, token);
  if (existing.count >= 200) {
    console.log(`demo data present (${existing.count} deals)`);
    return;
  }
  await clearPartialSeed(token);
  const companies = ['Acme Corp', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Soylent']
    .map((name, i) => ({
      objectId: randomId(), name, website: `https://${name.toLowerCase().replace(/\W+/g, '')}.example`,
      industry: pick(['Software', 'Energy', 'Retail', 'Finance', 'Health']), address: `${i + 1} Main Street`,
    }));
  await batch(token, 'POST', 'Company', companies);
  const people = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson', 'Linus Torvalds', 'Margaret Hamilton',
    'Dennis Ritchie', 'Barbara Liskov', 'Ken Thompson', 'Radia Perlman', 'John Backus', 'Frances Allen'];
  const contacts = people.map((name, i) => ({
    objectId: randomId(), name, email: `${name.split(' ')[0].toLowerCase()}@example.com`,
    phone: `+1 555 01${String(i).padStart(2, '0')}`, company: pointer('Company', companies[i % companies.length].objectId),
  }));
  await batch(token, 'POST', 'Contact', contacts);
  const now = Date.now();
  // Close dates as a working pipeline has them: most open deals close in the next months, a few
  // have slipped (overdue); won and lost deals closed in the last months.
  const closeDate = (stage) => {
    if (CLOSED.has(stage)) return new Date(now - Math.round((2 + rand() * 110) * DAY));
    return new Date(now + Math.round((rand() < 0.12 ? -(1 + rand() * 25) : 3 + rand() * 150) * DAY));
  };
  const deals = Array.from({ length: 200 }, (_, i) => {
    const company = pick(companies);
    const stage = pick(STAGES);
    return {
      objectId: randomId(),
      // The company has its own line on a card: the title names the deal.
      title: `${pick(['Renewal', 'Expansion', 'Pilot', 'Migration', 'Support plan', 'Licences'])} #${i + 1}`,
      amount: Math.round(1000 + rand() * 99000),
      stage,
      company: pointer('Company', company.objectId),
      // One of the company's own people (every company has one or two).
      contact: pointer('Contact', pick(contacts.filter((c) => c.company.objectId === company.objectId)).objectId),
      expectedCloseDate: date(closeDate(stage)),
      // A deal in five is a colleague's (the rest are the demo user's own).
      ...(i % 5 === 4 ? { assignedTo: pointer('_User', team[Math.floor(i / 5) % team.length].id) } : {}),
    };
  });
  await batch(token, 'POST', 'Deal', deals);
  // Subjects that fit their kind of activity. Most open deals have their next step planned (a
  // few slipped past their day); some closed deals keep a done one; a few people have a call
  // planned. Nothing is left to do on a won or lost deal.
  const SUBJECTS = {
    call: ['Intro call', 'Follow-up call', 'Budget check-in'],
    email: ['Send proposal', 'Send pricing', 'Follow up by e-mail'],
    meeting: ['Kick-off', 'Pricing review', 'Product demo'],
    note: ['Notes from the demo', 'Decision makers', 'Competitor in the deal'],
  };
  // A note is never a to-do: only calls, e-mails and meetings are planned.
  const PLANNED_TYPES = ACTIVITY_TYPES.filter((t) => t !== 'note');
  const activity = (relatedTo, due, done) => {
    const type = pick(done ? ACTIVITY_TYPES : PLANNED_TYPES);
    return {
      objectId: randomId(),
      type,
      subject: pick(SUBJECTS[type] ?? ['Follow up']),
      dueDate: date(due),
      ...(done ? { completedAt: date(due) } : {}),
      relatedTo,
    };
  };
  const activities = [];
  for (const d of deals) {
    const on = { className: 'Deal', objectId: d.objectId };
    if (CLOSED.has(d.stage)) {
      if (rand() < 0.3) activities.push(activity(on, new Date(now - Math.round((5 + rand() * 60) * DAY)), true));
    } else if (rand() < 0.75) {
      activities.push(activity(on, new Date(now + Math.round((rand() < 0.1 ? -(1 + rand() * 5) : rand() * 14) * DAY)), false));
    }
  }
  for (const c of contacts.slice(0, 6)) {
    activities.push(activity({ className: 'Contact', objectId: c.objectId }, new Date(now + Math.round(rand() * 10 * DAY)), false));
  }
  await batch(token, 'POST', 'Activity', activities);
  if (databaseUri) await backdate(deals);
  console.log(`seeded ${companies.length} companies, ${contacts.length} contacts, ${deals.length} deals `
    + `(${deals.filter((d) => d.assignedTo).length} assigned to ${TEAMMATES.map((m) => m.username).join(' and ')}), ${activities.length} activities`);
}

main().catch((e) => {
  console.error('seeding failed:', e.message);
  process.exit(1);
});
