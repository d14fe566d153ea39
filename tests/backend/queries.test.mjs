// Query answers Parse gets wrong on PostgreSQL, put right by Cloud Code (backend/cloud/main.js),
// checked over REST, GraphQL and the count path.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const SERVER = process.env.CRM_TEST_SERVER_URL || 'http://127.0.0.1:1437/parse';
const APP = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'Content-Type': 'application/json' };

async function call(method, route, token, body) {
  const res = await fetch(SERVER + route, { method, headers: token ? { ...APP, 'X-Parse-Session-Token': token } : APP, body: body && JSON.stringify(body) });
  return res.json();
}
const find = (token, where, extra = '') => call('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify(where))}${extra}`, token);

test('a pointer $in [] matches nothing (Parse answered the deals with no company)', async () => {
  const name = `inq${Date.now()}`;
  const user = await call('POST', '/users', undefined, { username: name, email: `${name}@example.com`, password: 'pw-123456' });
  const token = user.sessionToken;
  const company = await call('POST', '/classes/Company', token, { name: 'In-list Co' });
  const ptr = { __type: 'Pointer', className: 'Company', objectId: company.objectId };
  await call('POST', '/classes/Deal', token, { title: 'with company', company: ptr });
  await call('POST', '/classes/Deal', token, { title: 'without company' });
  const titles = async (where) => (await find(token, where)).results.map((d) => d.title).sort();
  assert.deepEqual(await titles({ company: { $in: [] } }), []);
  assert.deepEqual(await titles({ $or: [{ company: { $in: [] } }, { title: 'without company' }] }), ['without company']);
  assert.deepEqual(await titles({ company: { $in: [ptr] } }), ['with company']);
  assert.deepEqual(await titles({ company: { $nin: [] } }), ['with company', 'without company']);
  assert.equal((await find(token, { company: { $in: [] } }, '&count=1&limit=0')).count, 0);
  // A subquery that finds nothing is the same list, built by Parse after Cloud Code ran.
  assert.deepEqual(await titles({ company: { $inQuery: { className: 'Company', where: { name: 'no such company' } } } }), []);
  assert.deepEqual(await titles({ company: { $inQuery: { className: 'Company', where: { name: 'In-list Co' } } } }), ['with company']);
  const gql = await fetch(SERVER.replace(/\/parse$/, '/graphql'), {
    method: 'POST', headers: { ...APP, 'X-Parse-Session-Token': token },
    body: JSON.stringify({ query: '{ deals(where: { company: { have: { objectId: { in: [] } } } }) { count } }' }),
  }).then((r) => r.json());
  assert.equal(gql.data?.deals?.count, 0, JSON.stringify(gql));
});

test('$ne: null beside other conditions on a field keeps them (Parse answered every object with the field)', async () => {
  const name = `nenull${Date.now()}`;
  const user = await call('POST', '/users', undefined, { username: name, email: `${name}@example.com`, password: 'pw-123456' });
  const token = user.sessionToken;
  for (const [title, amount] of [['none', undefined], ['zero', 0], ['hundred', 100], ['five hundred', 500]]) {
    await call('POST', '/classes/Deal', token, { title, ...(amount === undefined ? {} : { amount }) });
  }
  const titles = async (where) => (await find(token, where)).results.map((d) => d.title).sort();
  assert.deepEqual(await titles({ amount: { $ne: null, $gt: 50 } }), ['five hundred', 'hundred']);
  assert.deepEqual(await titles({ amount: { $gt: 50, $ne: null } }), ['five hundred', 'hundred']);
  assert.deepEqual(await titles({ amount: { $ne: null, $nin: [100, 0] } }), ['five hundred']);
  assert.deepEqual(await titles({ $or: [{ amount: { $ne: null, $lt: 50 } }, { title: 'none' }] }), ['none', 'zero']);
  assert.equal((await find(token, { amount: { $ne: null, $gte: 100 } }, '&count=1&limit=0')).count, 2);
  // Alone, it is what it was: the objects with the field.
  assert.deepEqual(await titles({ amount: { $ne: null } }), ['five hundred', 'hundred', 'zero']);
  assert.deepEqual(await titles({ amount: null }), ['none']);
});
