// The gate in front of Parse Server: refuses malformed or hostile requests with a Parse error
// code and a message in words before Parse sees them, for REST (including /batch and the SDK's
// POST-with-_method form), GraphQL and LiveQuery frames. Parse answers many of these with a bare
// 500 or, for an invalid Date, crashes; what it checks well (permissions, types against the
// schema, requestComplexity) is left to it. Field-level rules live in Cloud Code (rules.js).
'use strict';

const { AsyncLocalStorage } = require('node:async_hooks');
const express = require('express');
const { parse: parseGraphQL, visit: visitGraphQL, print: printGraphQL, valueFromASTUntyped } = require('graphql');
const proxyaddr = require('proxy-addr');
const { isIPv4, isIPv6 } = require('node:net');
const WebSocketServer = require('ws').Server;
const { WSAdapter } = require('parse-server/lib/Adapters/WebSocketServer/WSAdapter');
const { Client: LiveQueryClient } = require('parse-server/lib/LiveQuery/Client');
const { OBJECT_ID, SERVER_ID_CLASSES, LIMITS, LOGIN_LOCKOUT, RATE_LIMITS, isoDateProblem, regexProblem, fieldsOf, whereProblem, whereLimitsProblem, fieldListProblem } = require('./rules');

// Parse's error codes used here (Parse.Error).
const CODE = {
  OBJECT_NOT_FOUND: 101,
  INVALID_QUERY: 102,
  INVALID_JSON: 107,
  INCORRECT_TYPE: 111,
  OBJECT_TOO_LARGE: 116,
  OPERATION_FORBIDDEN: 119,
  VALIDATION_ERROR: 142,
};

class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const refuse = (code, message) => { throw new Refusal(code, message); };

// ---- walking a request's JSON --------------------------------------------------------------

/** Checks every value of a request body or where clause: nesting, sizes, NUL characters,
 * non-finite numbers (JSON's 1e400 parses to Infinity), strict Dates and literal-only regexes. */
function checkJson(value, where = false, depth = 0, keys = { left: LIMITS.requestKeys }) {
  if (depth > LIMITS.jsonDepth) refuse(CODE.INVALID_JSON, `JSON nested deeper than ${LIMITS.jsonDepth} levels`);
  if (typeof value === 'string') {
    if (value.length > LIMITS.stringChars) refuse(CODE.OBJECT_TOO_LARGE, `a string of ${value.length} characters is over the ${LIMITS.stringChars} limit`);
    if (value.includes('\u0000')) refuse(CODE.INVALID_JSON, 'text must not contain NUL characters');
    // A lone surrogate is stored as U+FFFD but sent to Live Query subscribers as it came.
    if (!value.isWellFormed()) refuse(CODE.INVALID_JSON, 'text must be well-formed Unicode');
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) refuse(CODE.INVALID_JSON, 'numbers must be finite');
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (value.length > LIMITS.arrayItems) refuse(CODE.OBJECT_TOO_LARGE, `an array of ${value.length} items is over the ${LIMITS.arrayItems} limit`);
    for (const item of value) checkJson(item, where, depth + 1, keys);
    return;
  }
  if (value.__type !== undefined) checkTyped(value);
  // Parse checks every key of a body against its keyword list (a RegExp each), and GraphQL
  // answers an error per unknown field repeating the whole value: 150,000 keys, without a
  // session, held the process for 1.5 s (REST) and 7 s (GraphQL).
  const entries = Object.entries(value);
  spendKeys(entries.length, keys);
  for (const [key, inner] of entries) {
    if (key.length > 256) refuse(CODE.INVALID_JSON, 'a key is longer than 256 characters');
    if (key.includes('\u0000')) refuse(CODE.INVALID_JSON, 'keys must not contain NUL characters');
    if (where && key === '$regex') {
      const problem = regexProblem(inner);
      if (problem) refuse(CODE.INVALID_QUERY, problem);
    }
    if (where && key === '$options' && !(typeof inner === 'string' && /^[im]{0,2}$/.test(inner))) {
      refuse(CODE.INVALID_QUERY, '$options may only be "i" or "m"');
    }
    checkJson(inner, where, depth + 1, keys);
  }
}

/** Counts an object's `count` keys against the per-object and per-request limits. */
function spendKeys(count, keys) {
  if (count > LIMITS.objectKeys) refuse(CODE.OBJECT_TOO_LARGE, `an object of ${count} keys is over the ${LIMITS.objectKeys} limit`);
  keys.left -= count;
  if (keys.left < 0) refuse(CODE.OBJECT_TOO_LARGE, `a request may hold at most ${LIMITS.requestKeys} keys in all`);
}

/** The key limits of checkJson alone, over a whole value (a batch: its sub-requests are each
 * checked on their own, a malformed one refused in its place). */
function checkKeyCount(value, keys = { left: LIMITS.requestKeys }, depth = 0) {
  if (!value || typeof value !== 'object' || depth > LIMITS.jsonDepth) return;
  if (Array.isArray(value)) {
    for (const item of value) checkKeyCount(item, keys, depth + 1);
    return;
  }
  const inner = Object.values(value);
  spendKeys(inner.length, keys);
  for (const v of inner) checkKeyCount(v, keys, depth + 1);
}

/** Parse's typed values: the CRM schema uses Dates and Pointers; a pointer's id must look like
 * one (Parse crashes encoding a pointer with an empty id), and the other types (files,
 * relations, bytes, geo) have no field to go to. */
function checkTyped(value) {
  switch (value.__type) {
    case 'Date': {
      const problem = isoDateProblem(value.iso);
      if (problem) refuse(CODE.INCORRECT_TYPE, `invalid Date: ${problem}`);
      return;
    }
    case 'Pointer':
      if (typeof value.className !== 'string' || !/^_?[A-Za-z][A-Za-z0-9_]{0,63}$/.test(value.className)) {
        refuse(CODE.INCORRECT_TYPE, 'a Pointer needs a className');
      }
      if (typeof value.objectId !== 'string' || !OBJECT_ID.test(value.objectId)) {
        refuse(CODE.INCORRECT_TYPE, 'a Pointer needs a valid objectId (10 to 32 letters and digits)');
      }
      return;
    default:
      refuse(CODE.INCORRECT_TYPE, `values of type ${String(value.__type).slice(0, 20)} are not accepted`);
  }
}

/** A where clause given as text (query string) or object; refuses anything but a JSON object. */
function checkWhere(where, className) {
  if (where === undefined) return;
  let parsed = where;
  if (typeof where === 'string') {
    if (where.length > LIMITS.stringChars) refuse(CODE.OBJECT_TOO_LARGE, 'where is too long');
    try { parsed = JSON.parse(where); } catch { refuse(CODE.INVALID_JSON, 'where is not valid JSON'); }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    refuse(CODE.INVALID_QUERY, 'where must be a JSON object');
  }
  checkJson(parsed, true);
  const problem = whereProblem(className, parsed);
  if (problem) refuse(CODE.INVALID_QUERY, problem);
}

const WHOLE = /^(0|[1-9]\d{0,8})$/;
/** limit/skip/count: whole numbers, as Parse means them (a negative limit is a bare 500). */
function checkPaging(params) {
  for (const key of ['limit', 'skip']) {
    const v = params[key];
    if (v === undefined) continue;
    if (!WHOLE.test(String(v))) refuse(CODE.INVALID_QUERY, `${key} must be a whole number from 0`);
  }
}

/** The path Parse's router will take a request for, as one form: Express matches paths without
 * regard to case or a trailing slash, and Parse's batch collapses "//" and resolves "." and "..". Every check, and Parse
 * itself (req.url is rewritten to it), sees this form, so "/USERS/" cannot slip past a check
 * written for "/users". Class names keep their case (they are case-sensitive in Parse). */
function canonicalPath(path) {
  let decoded;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    refuse(CODE.INVALID_JSON, 'the path is not valid percent-encoded UTF-8');
  }
  if (/[\u0000-\u001f\u007f]/.test(decoded)) refuse(CODE.INVALID_JSON, 'the path must not contain control characters');
  // Parse routes a batch sub-request on path.posix.join('/', path): "." and ".." segments are
  // resolved ("/parse/./users" is a sign-up), so they are resolved here too.
  // Express decodes route parameters ("/classes/%5FUser" reaches Parse as _User): every
  // segment is checked decoded, and Parse is handed the decoded form. A segment that would
  // change the route once decoded (a "/", "?", "#", "%" or "\\" in it) is refused.
  const parts = [];
  for (const raw of path.split('/')) {
    const part = decodeURIComponent(raw);
    if (/[/?#%\\\s]/.test(part)) refuse(CODE.INVALID_JSON, 'a path segment must not encode "/", "?", "#", "%", "\\" or spaces');
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop(); else parts.push(part);
  }
  if (parts.length > 0) parts[0] = parts[0].toLowerCase();
  if (parts.length > 0 && (parts[0] === 'apps')) return `/${parts.join('/')}`;
  // The first segment names the route (classes, users, login, requestPasswordReset …).
  const routes = ['requestpasswordreset', 'verificationemailrequest', 'verifypassword', 'upgradetorevocablesession', 'loginas'];
  const camel = { requestpasswordreset: 'requestPasswordReset', verificationemailrequest: 'verificationEmailRequest', verifypassword: 'verifyPassword', upgradetorevocablesession: 'upgradeToRevocableSession', loginas: 'loginAs' };
  if (parts.length > 0 && routes.includes(parts[0])) parts[0] = camel[parts[0]];
  return `/${parts.join('/')}`;
}

// /classes/Deal, /classes/Deal/abc, /users, /users/abc, /roles/abc, /installations, /sessions
function routeOf(path) {
  const parts = path.split('/').filter(Boolean);
  const aliases = { users: '_User', roles: '_Role', sessions: '_Session', installations: '_Installation' };
  if (parts[0] === 'classes' && parts.length >= 2) return { className: parts[1], objectId: parts[2], rest: parts.slice(3) };
  if (aliases[parts[0]]) return { className: aliases[parts[0]], objectId: parts[1], rest: parts.slice(2) };
  return null;
}

/** One REST request (a top-level one, or a /batch sub-request). */
function checkRestRequest(method, path, body, query = {}) {
  // Apple in-app purchase receipts: Parse's route answered anyone, without a session, by calling
  // https://buy.itunes.apple.com with the receipt sent. Nothing here sells anything.
  if (path === '/validate_purchase') refuse(CODE.OPERATION_FORBIDDEN, 'this server validates no purchases');
  const route = routeOf(path);
  // Parse lets a signed-in user mint more sessions for themselves, without limit; sessions
  // here come from logging in (counted), and nothing else needs them.
  if (route && route.className === '_Session' && route.objectId === undefined && method === 'POST') {
    refuse(CODE.OPERATION_FORBIDDEN, 'sessions are made by logging in');
  }
  if (route && route.objectId !== undefined && !['me'].includes(route.objectId) && !OBJECT_ID.test(route.objectId)) {
    refuse(CODE.VALIDATION_ERROR, `"${String(route.objectId).slice(0, 40)}" is not a valid objectId`);
  }
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    refuse(CODE.INVALID_JSON, 'the body must be a JSON object');
  }
  const b = body || {};
  checkJson(b);
  // Signing in with another service (authData) is not set up here: Parse answered a bare 500
  // ("GitHub options are required") for each provider it knows but has no options for. Its
  // log-in and challenge routes read authData and challengeData too, whatever the method (a
  // GET's JSON body, a POST that says _method GET): /challenge answered 500 without a session,
  // and every such request was logged with its stack at error level.
  const signIn = SIGN_IN_ROUTES.includes(path);
  if (((route && route.className === '_User') || signIn) && b.authData !== undefined) {
    refuse(UNSUPPORTED_SERVICE, NO_AUTH_DATA);
  }
  if (signIn && b.challengeData !== undefined) refuse(UNSUPPORTED_SERVICE, NO_AUTH_DATA);
  if (method === 'GET') {
    checkWhere(query.where ?? b.where, route && route.className);
    checkPaging({ limit: query.limit ?? b.limit, skip: query.skip ?? b.skip });
    if (route && route.objectId === undefined) {
      const objects = objectsRead(path, { limit: query.limit ?? b.limit, include: query.include ?? b.include, includeAll: query.includeAll ?? b.includeAll, keys: query.keys ?? b.keys });
      if (objects > LIMITS.objectsPerAnswer) refuse(CODE.INVALID_QUERY, tooManyIncluded(objects));
    }
    const order = query.order ?? b.order;
    if (order !== undefined && (typeof order !== 'string' || !/^-?[A-Za-z_][A-Za-z0-9_]*(,-?[A-Za-z_][A-Za-z0-9_]*)*$/.test(order))) {
      refuse(CODE.INVALID_QUERY, 'order is a comma-separated list of field names, each optionally with "-"');
    }
    for (const param of ['order', 'keys', 'excludeKeys', 'include']) {
      const problem = fieldListProblem(param, query[param] ?? b[param]);
      if (problem) refuse(CODE.INVALID_QUERY, problem);
    }
    // Parse sorts by the ACL column's JSON and then answers no rows at all: a wrong answer.
    if (order !== undefined && order.split(',').some((f) => f.replace(/^-/, '') === 'ACL')) {
      refuse(CODE.INVALID_QUERY, 'order cannot use ACL');
    }
    return;
  }
  if (route && (method === 'POST' || method === 'PUT')) {
    checkFieldNames(route.className, b);
    checkOps(route.className, b);
  }
  if (route && method === 'POST' && route.objectId === undefined && b.objectId !== undefined) {
    if (SERVER_ID_CLASSES.includes(route.className)) {
      refuse(CODE.OPERATION_FORBIDDEN, `objectIds of ${route.className} are chosen by the server`);
    }
    if (typeof b.objectId !== 'string' || !OBJECT_ID.test(b.objectId)) {
      refuse(CODE.VALIDATION_ERROR, 'a client-chosen objectId must be 10 to 32 letters and digits');
    }
  }
}

/** The keys of a write's body Parse takes from it before the write (body authentication, the
 * method override): not fields. */
const BODY_KEYS = new Set(['_method', '_noBody', '_ApplicationId', '_JavaScriptKey', '_ClientKey', '_ClientVersion', '_InstallationId', '_SessionToken', '_MasterKey', '_context', '_ContentType', '_RevocableSession']);
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Every key of a write is a field name: Parse saved the rest of the object and dropped a key
 * like "tïtle", "$where", "_hidden" or "" without a word, so a typo lost what it held. */
function checkFieldNames(className, body) {
  for (const key of Object.keys(body)) {
    if (FIELD_NAME.test(key) || BODY_KEYS.has(key)) continue;
    // 142, as Cloud Code answers a field the class lacks ("Deal.bogus is not a field of Deal").
    refuse(CODE.VALIDATION_ERROR, `"${key.slice(0, 40)}" is not a field of ${className}: field names are letters, digits and _, starting with a letter`);
  }
}

/** Field operations: Delete anywhere, Increment on numbers; the CRM schema has no arrays or
 * relations, and Parse answers an Add on a text field with a bare 500. */
function checkOps(className, body) {
  const rules = fieldsOf(className);
  if (!rules) return;
  for (const [key, value] of Object.entries(body)) {
    if (!value || typeof value !== 'object' || value.__op === undefined) continue;
    const op = value.__op;
    const rule = Object.prototype.hasOwnProperty.call(rules, key) ? rules[key] : undefined;
    if (op === 'Delete') continue;
    if (op === 'Increment' && rule && rule.kind === 'number') {
      // Parse throws a plain Error for any other amount: a bare 500.
      if (typeof value.amount === 'number' && Number.isFinite(value.amount)) continue;
      refuse(CODE.INCORRECT_TYPE, `Increment of ${className}.${key.slice(0, 40)} needs a number as its amount`);
    }
    refuse(CODE.INCORRECT_TYPE, `${String(op).slice(0, 20)} cannot be applied to ${className}.${key.slice(0, 40)}`);
  }
}

const MASTER_ONLY = /^\/(jobs|schemas|serverInfo|push|hooks|cloud_code|graphql-config|push_audiences|security|aggregate|purge|export_progress|export_data|import_data)(\/|$)/i;
const SHARED_AFTER_WRITE = /^\/classes\/(Deal|Contact|Activity)(\/|$)/;
const QUOTA_CLASSES = new RegExp(`^/classes/(${Object.keys(LIMITS.objectsPerUser).join('|')})(/|$)`);

/** Checks a /batch body. Parse answers each sub-request on its own, so a sub-request the
 * gate refuses gets its own error in the answer and the others still run (unless the client
 * asked for a transaction, where one refusal refuses all). Answers the refusals by index. */
function checkBatch(body, countAccountRequest) {
  if (!body || !Array.isArray(body.requests)) refuse(CODE.INVALID_JSON, 'a batch needs a "requests" array');
  checkKeyCount(body); // the keys of all its sub-requests count together (each is checked below)
  const refused = new Map();
  // Objects its reads may answer with, in all: 45 queries of 1,000 deals in one batch made a
  // 480 MB answer, and 100 of them a bare 500 ("Invalid string length").
  let rows = 0;
  let objects = 0;
  body.requests.forEach((r, index) => {
    if (!r || typeof r !== 'object' || typeof r.method !== 'string' || typeof r.path !== 'string') {
      refuse(CODE.INVALID_JSON, 'each batch request needs a method and a path');
    }
    const method = r.method.toUpperCase();
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) refuse(CODE.INVALID_JSON, `batch method ${r.method.slice(0, 10)} is not allowed`);
    const path = canonicalPath(r.path.replace(/^\/+parse(?=\/)/i, ''));
    if (path === '/batch') refuse(CODE.INVALID_JSON, 'a batch cannot contain a batch');
    // A password is checked once per request, where failed log-ins are counted (loginLockout).
    if (PASSWORD_ROUTES.includes(path)) refuse(CODE.OPERATION_FORBIDDEN, 'log in with /login, not inside a batch');
    // Inside a batch Parse runs it without the session it needs and answered a raw PostgreSQL error.
    if (path === '/upgradeToRevocableSession') refuse(CODE.OPERATION_FORBIDDEN, 'upgradeToRevocableSession is a request of its own, not inside a batch');
    r.path = `/parse${path}`;
    // Cloud Code shares what a deal links to (sharing.js) after the write, locking the rows on a
    // connection of its own: inside a transaction it waited for the transaction's own lock, timed
    // out after 5 s, and a deal handed on left the previous assignee reading its company,
    // contact and activities.
    if (body.transaction === true && method !== 'GET' && SHARED_AFTER_WRITE.test(path)) {
      refuse(CODE.OPERATION_FORBIDDEN, `request ${index + 1}: deals, contacts and activities are written outside a transaction (send the batch without "transaction": true)`);
    }
    if (method === 'GET') {
      const read = rowsOf(path, r.body);
      rows += read;
      objects += objectsRead(path, r.body || {});
    }
    if (rows > LIMITS.rowsPerRequest) refuse(CODE.INVALID_QUERY, `a batch may read at most ${LIMITS.rowsPerRequest} objects in all (the limits of its queries, 100 where unsaid): ask in pages`);
    if (objects > LIMITS.objectsPerAnswer) refuse(CODE.INVALID_QUERY, tooManyIncluded(objects));
    for (const kind of accountKinds(method, path, r.body)) countAccountRequest(kind);
    try {
      checkRestRequest(method, path, r.body);
    } catch (e) {
      if (!(e instanceof Refusal) || body.transaction === true) throw e;
      refused.set(index, e);
    }
    // A delete gives its creator's quota back (cloud/quota.js) once it has run, but a transaction
    // rolled back afterwards puts the object back: three such batches of 49 deletes and a failing
    // update let a user keep 150 companies where the quota was 50, and nothing bounded the rounds.
    if (body.transaction === true && method === 'DELETE' && QUOTA_CLASSES.test(path)) {
      refuse(CODE.OPERATION_FORBIDDEN, `request ${index + 1}: companies are deleted outside a transaction (send the batch without "transaction": true)`);
    }
  });
  return refused;
}

/** How many objects a GET sub-request of a batch may answer with: a query's limit (Parse's
 * default 100 when unsaid; 0 for a count alone), 1 for one object. */
function rowsOf(path, body) {
  const parts = path.split('/').filter(Boolean);
  const query = (parts[0] === 'classes' && parts.length === 2) || (['users', 'roles', 'sessions', 'installations'].includes(parts[0]) && parts.length === 1);
  if (!query) return 1;
  const limit = body && typeof body === 'object' ? Number(body.limit) : NaN;
  return Number.isInteger(limit) && limit >= 0 ? Math.min(limit, 1000) : 100;
}

/** How many objects each object of a query's answer may carry with it: one per path of its
 * `include` ("contact.company" includes the contact and its company), and for "*" every
 * pointer of a class (counted as Parse's includeCount, the most a request may name). */
function includedPaths(include, { includeAll, keys, excludeKeys } = {}) {
  if (includeAll !== undefined && includeAll !== false && includeAll !== 'false') return LIMITS.includeCount;
  // Parse reads a query parameter as JSON when it is: '"*"' includes everything, as '*' does.
  const bare = (p) => p.trim().replace(/^[[\s"]+|[\]\s"]+$/g, '');
  const list = (v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v.map(String) : String(v).split(',')).map(bare);
  const named = list(include);
  if (named.includes('*')) return LIMITS.includeCount;
  const paths = new Set();
  const add = (parts) => {
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('.'));
  };
  for (const p of named) add(p.split('.').filter(Boolean));
  // A dotted key (company.notes) makes Parse include the pointers on its way.
  for (const k of [...list(keys), ...list(excludeKeys)]) add(k.split('.').filter(Boolean).slice(0, -1));
  return paths.size;
}

/** The objects a GET on `path` with `params` (limit, include, includeAll, keys) may answer,
 * its included ones counted under each result. */
const objectsRead = (path, params) => rowsOf(path, params) * (1 + includedPaths(params.include, params));

const tooManyIncluded = (objects) => `an answer may hold at most ${LIMITS.objectsPerAnswer} objects, each included one counted under every object that points at it; this request asks for up to ${objects}: ask for fewer objects (limit) or fewer includes`;

/** The characters JSON adds to `text` by escaping it: one per quote, backslash, tab or line
 * break (\n), five per other control character (\u0001). */
function escapesIn(text) {
  const short = text.length - text.replace(/["\\\b\f\n\r\t]/g, '').length;
  const long = /[\u0000-\u0007\u000B\u000E-\u001F]/.test(text) ? text.length - text.replace(/[\u0000-\u0007\u000B\u000E-\u001F]/g, '').length : 0;
  return short + 5 * long;
}

/** About how many bytes `value` takes written as JSON in UTF-8 (strings with their escapes,
 * keys and numbers counted; a short string as if each character took 3), counted up to just
 * past `budget`: it stops there, so a huge answer costs no more than a small one; a shared
 * object is counted each time, as JSON writes it. */
function jsonBytes(value, budget) {
  let chars = 0;
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') chars += v.length > 32 ? Buffer.byteLength(v) + 3 + escapesIn(v) : v.length * 3 + 3;
    else if (v && typeof v === 'object') {
      if (typeof v.toJSON === 'function') {
        const json = v.toJSON();
        if (json !== v) stack.push(json);
        continue;
      }
      if (Array.isArray(v)) {
        chars += 2;
        for (const x of v) stack.push(x);
      } else {
        for (const k in v) {
          if (!Object.hasOwn(v, k)) continue;
          chars += k.length + 4;
          stack.push(v[k]);
        }
      }
    } else chars += 8;
    if (chars > budget) return chars;
  }
  return chars;
}

/** Whether `value`, written as JSON in UTF-8, would be longer than `budget` bytes (about). */
const longerThan = (value, budget) => jsonBytes(value, budget) > budget;

/** The answers written to each client address that it has not read yet (guard.js boundAnswers,
 * boundGraphQLAnswers): an answer is held in this process's memory until the client takes it,
 * and a client that never reads held it for as long as it kept the connection open. Eight
 * unread answers of 31 MB per account, from six accounts, held 1.4 GB; nothing bounded the
 * accounts. An address may have LIMITS.unreadAnswerBytesPerAddress waiting; past it, a large
 * answer (over LIMITS.largeAnswerBytes) is refused until the address has read what it was sent. */
function unreadAnswers({ perAddress = LIMITS.unreadAnswerBytesPerAddress, large = LIMITS.largeAnswerBytes } = {}) {
  const held = new Map(); // address group -> bytes written and not yet taken
  return {
    /** Counts an answer of about `bytes` for `req`'s address until `res` is sent or closed;
     * false (nothing counted) when it is large and the address has too much waiting already. */
    take(req, res, bytes) {
      if (req.socket && req.socket.destroyed) return true; // nobody to send it to
      const address = addressGroup(req.ip);
      const waiting = held.get(address) || 0;
      if (bytes > large && waiting + bytes > perAddress) return false;
      held.set(address, waiting + bytes);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (held.get(address) || 0) - bytes;
        if (left > 0) held.set(address, left); else held.delete(address);
      };
      res.once('finish', release);
      res.once('close', release);
      return true;
    },
  };
}
const answersUnread = unreadAnswers();
const unreadRefusal = () => new Refusal(REQUEST_LIMIT_EXCEEDED, `answers of over ${LIMITS.unreadAnswerBytesPerAddress / (1024 * 1024)} MB sent to this address are not read yet: read them (or close their connections) before asking for more large answers`);

/** Refuses an answer whose JSON would be longer than LIMITS.answerBytes, before Parse writes it:
 * writing it holds the one Node process (a 242 MB answer took two seconds and a gigabyte). And
 * a large one while the address has not read what it was sent already (unreadAnswers). */
function boundAnswers(req, res) {
  const json = res.json.bind(res);
  res.json = (answer) => {
    if (res.statusCode < 300) {
      const bytes = jsonBytes(answer, LIMITS.answerBytes);
      if (bytes > LIMITS.answerBytes) {
        res.status(413);
        return json({ code: CODE.OBJECT_TOO_LARGE, error: `the answer would be over ${LIMITS.answerBytes / (1024 * 1024)} MB of JSON: ask for fewer objects (limit), fewer fields (keys) or fewer includes` });
      }
      if (!answersUnread.take(req, res, bytes)) {
        const refusal = unreadRefusal();
        res.status(statusOf(refusal));
        return json({ code: refusal.code, error: refusal.message });
      }
    }
    return json(answer);
  };
}

/** Sends Parse only the sub-requests the gate let through, and puts each refusal back in its
 * place in Parse's answer, so the client gets one result per sub-request, in order. */
function answerBatchWithRefusals(req, res, refused, next) {
  const all = req.body.requests;
  const errorOf = (e) => ({ error: { code: e.code, error: e.message } });
  if (refused.size === all.length) return res.status(200).json(all.map((_, i) => errorOf(refused.get(i))));
  req.body.requests = all.filter((_, i) => !refused.has(i));
  const json = res.json.bind(res);
  res.json = (answer) => {
    if (!Array.isArray(answer)) return json(answer);
    const results = answer[Symbol.iterator]();
    return json(all.map((_, i) => (refused.has(i) ? errorOf(refused.get(i)) : results.next().value)));
  };
  next();
}

const statusOf = (err) => (err.code === CODE.OBJECT_TOO_LARGE ? 413 : err.code === REQUEST_LIMIT_EXCEEDED ? 429 : 400);
function answer(res, err) {
  res.status(statusOf(err)).json({ code: err.code, error: err.message });
}

/** The refusal for a body express.json could not read: too large, or not JSON. */
function bodyRefusal(err) {
  return err.type === 'entity.too.large'
    ? new Refusal(CODE.OBJECT_TOO_LARGE, `the request body is over ${LIMITS.bodyBytes} bytes`)
    : new Refusal(CODE.INVALID_JSON, 'the request body is not valid JSON');
}

/** Parse answers a save with the fields Cloud Code changed. Activity.relatedTo is stored as
 * {className, objectId} (related-to.js), but an SDK that saved a Pointer must get a Pointer
 * back, or its object changes shape right after the save. */
function relatedToAsPointer(object) {
  const rel = object && object.relatedTo;
  if (rel && typeof rel === 'object' && rel.__type === undefined && typeof rel.className === 'string' && typeof rel.objectId === 'string') {
    object.relatedTo = { __type: 'Pointer', className: rel.className, objectId: rel.objectId };
  }
}

function shapeActivityResponses(req, res, method) {
  const isActivity = (path) => /^\/classes\/Activity(\/|$)/.test(path);
  let shape = null;
  if ((method === 'POST' || method === 'PUT') && isActivity(req.path)) {
    shape = (body) => relatedToAsPointer(body);
  } else if (req.path === '/batch' && Array.isArray(req.body && req.body.requests)) {
    const paths = req.body.requests.map((r) => String(r && r.path).replace(/^\/parse(?=\/)/, ''));
    if (!paths.some(isActivity)) return;
    shape = (body) => Array.isArray(body) && body.forEach((r, i) => isActivity(paths[i] || '') && r && relatedToAsPointer(r.success));
  }
  if (!shape) return;
  const json = res.json.bind(res);
  res.json = (body) => {
    try { shape(body); } catch { /* answer as it is */ }
    return json(body);
  };
}

/** Parse answers some refusals (master-key-only routes, too large, unknown route, a wrong
 * application id or key) with an HTTP error and no Parse code; give them one, so every
 * refusal a client sees carries a code. The wrong-key answer is written with `res.end`, not
 * `res.json`, so both are covered. */
function addMissingCodes(res) {
  const withCode = (body) => {
    // Parse's answer to an unexpected error says "message" where every other says "error".
    if (res.statusCode >= 400 && body && typeof body === 'object' && typeof body.message === 'string' && body.error === undefined) {
      body = { code: typeof body.code === 'number' ? body.code : 1, error: body.message };
    }
    if (res.statusCode >= 400 && body && typeof body === 'object' && !Array.isArray(body) && typeof body.code !== 'number' && typeof body.error === 'string') {
      const code = { 401: CODE.OPERATION_FORBIDDEN, 403: CODE.OPERATION_FORBIDDEN, 404: 101, 413: CODE.OBJECT_TOO_LARGE }[res.statusCode] || 1;
      return { code, error: body.error };
    }
    // A batch answers each sub-request's error as Parse caught it: a plain Error (a master-key
    // route's "Permission denied", a TypeError) had no code.
    if (Array.isArray(body)) {
      return body.map((item) => {
        const e = item && typeof item === 'object' ? item.error : undefined;
        if (!e || typeof e !== 'object' || typeof e.code === 'number') return item;
        const text = typeof e.error === 'string' ? e.error : typeof e.message === 'string' ? e.message : 'the request failed';
        return { ...item, error: { code: /^Permission denied/.test(text) ? CODE.OPERATION_FORBIDDEN : 1, error: text } };
      });
    }
    return body;
  };
  const json = res.json.bind(res);
  res.json = (body) => json(withCode(body));
  const end = res.end.bind(res);
  res.end = (chunk, ...rest) => {
    // Only a bare end with a JSON error and no length fixed yet (res.json sets one).
    if (res.statusCode >= 400 && typeof chunk === 'string' && chunk.startsWith('{"error"') && !res.getHeader('Content-Length')) {
      try {
        const body = withCode(JSON.parse(chunk));
        if (!res.getHeader('Content-Type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
        return end(JSON.stringify(body), ...rest);
      } catch { /* not JSON: as it is */ }
    }
    return end(chunk, ...rest);
  };
}

/** Express middleware for the REST mount (/parse). Parses the body itself, as Parse would
 * (any content type: the JS SDK posts text/plain), so it can be checked; Parse's own parser
 * then sees `req._body` and keeps it. Files are left to Parse (uploads are off). */
function restGuard({ limiter }) {
  const parse = express.json({ type: () => true, limit: LIMITS.bodyBytes, strict: false });
  return (req, res, next) => {
    // Every refusal carries a code, the files routes' too ("Permission denied" had none).
    addMissingCodes(res);
    boundAnswers(req, res);
    if (/^\/files\//i.test(req.path)) return next();
    // Parse's password-reset and verification pages post HTML forms, not JSON.
    if (/^\/apps\//i.test(req.path)) return next();
    let path;
    try {
      path = canonicalPath(req.path);
    } catch (e) {
      return answer(res, e);
    }
    // Parse gets the checked path, each segment encoded again (Express decodes it once more).
    const url = path.split('/').map(encodeURIComponent).join('/');
    if (url !== req.path) req.url = url + req.url.slice(req.path.length);
    parse(req, res, (err) => {
      if (err) return answer(res, bodyRefusal(err));
      try {
        const body = req.body;
        // Express runs the GET route for HEAD (Parse's _method override included): check and
        // count it as the GET it is. Parse honours a body's _method on a POST only (a PUT that
        // says "GET" is still written as a PUT): so does the gate.
        const override = req.method === 'POST' && body && typeof body._method === 'string';
        // Parse takes any _method: a POST that said "HEAD" was answered with a length and no
        // body, and its client waited for the body until the connection timed out.
        if (override && !/^(GET|POST|PUT|DELETE)$/i.test(body._method)) {
          refuse(CODE.INVALID_JSON, '_method may be GET, POST, PUT or DELETE');
        }
        // Parse stores each write's request id for an hour (idempotency), before any permission
        // check: ids of 2,600 characters, without a session, grew the table by 10 MB a second,
        // and one over 2.7 KB made PostgreSQL's index refuse it (a bare 500).
        const requestId = req.get('x-parse-request-id');
        if (requestId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(requestId)) {
          refuse(CODE.VALIDATION_ERROR, 'X-Parse-Request-Id is 1 to 128 printable ASCII characters');
        }
        // Without a session, only signing up and logging in may be written by anyone: for the
        // rest (refused anyway) no request id is kept, which anyone could otherwise fill the
        // table with (25,000 rows in 40 s).
        const session = req.get('x-parse-session-token') || (body && body._SessionToken);
        if (requestId !== undefined && !session && !/^\/(users|login)$/.test(path)) delete req.headers['x-parse-request-id'];
        let method = (override ? body._method : req.method).toUpperCase();
        if (method === 'HEAD') method = 'GET';
        // Routes only the master key may use: Parse answered 403 and then closed the keep-alive
        // connection under it (its error handler passes the error on to Express's), so the
        // client's next request on it failed with no answer at all.
        if (MASTER_ONLY.test(path) || (path === '/config' && method !== 'GET')) {
          if (!req.get('x-parse-master-key') && !(body && body._MasterKey)) refuse(CODE.OPERATION_FORBIDDEN, `${path.split('/')[1]} needs the master key`);
        }
        shapeActivityResponses(req, res, method);
        // A session's token is a protected field (schema.js): /sessions/me answers the caller's
        // own, which it sent (the Parse SDK's Session.current() reads it there).
        if (method === 'GET' && path === '/sessions/me' && session) {
          const json = res.json.bind(res);
          res.json = (answer) => json(res.statusCode < 300 && answer && typeof answer === 'object' && typeof answer.objectId === 'string' ? { ...answer, sessionToken: session } : answer);
        }
        if (path === '/upgradeToRevocableSession') {
          refuse(CODE.OPERATION_FORBIDDEN, 'sessions here are revocable already');
        }
        // Account requests are counted once the request passed the other checks (the counter
        // may live in Redis: then counting is asynchronous).
        const counted = [];
        let refused = new Map();
        if (path === '/batch' && method === 'POST') {
          refused = checkBatch(body, (kind) => counted.push(kind));
        } else {
          checkRestRequest(method, path, body, req.query);
          counted.push(...accountKinds(method, path, body));
        }
        const go = () => (refused.size > 0 ? answerBatchWithRefusals(req, res, refused, next) : next());
        if (counted.length === 0) return go();
        countAll(limiter, counted, addressGroup(req.ip)).then(go, (e) => (e instanceof Refusal ? answer(res, e) : next(e)));
      } catch (e) {
        if (e instanceof Refusal) return answer(res, e);
        next(e);
      }
    });
  };
}

// GraphQL: any string shaped like an ISO date must be a real one (Parse's Date scalar accepts
// 2026-02-30 as March 2), and the usual size and nesting caps apply to variables.
const ISO_LIKE = /(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}/g;
function checkGraphQL(body) {
  if (!body || typeof body !== 'object') refuse(CODE.INVALID_JSON, 'a GraphQL request is a JSON object');
  const texts = [];
  const collect = (v, depth = 0) => {
    if (depth > LIMITS.jsonDepth) refuse(CODE.INVALID_JSON, `JSON nested deeper than ${LIMITS.jsonDepth} levels`);
    if (typeof v === 'string') texts.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => collect(x, depth + 1));
  };
  collect(body.variables);
  if (typeof body.query === 'string') texts.push(body.query);
  checkJson(body.variables ?? null);
  // The document is parsed and validated (by this gate, then by Parse) before anything else:
  // 1.3 MB of inline conditions cost 1.6 s of the one Node process, even without a session.
  if (typeof body.query === 'string' && body.query.length > LIMITS.graphQLDocumentChars) {
    refuse(CODE.INVALID_QUERY, `a GraphQL document may be at most ${LIMITS.graphQLDocumentChars} characters (this one: ${body.query.length}); send long values as variables`);
  }
  // Parsed once for the counts below; an unparsable document is left to Parse (its syntax
  // error, in words).
  let document = null;
  if (typeof body.query === 'string') {
    try {
      document = parseGraphQL(body.query);
    } catch (e) {
      // Selections nested thousands deep overflow the parser's stack: Parse's answer had no
      // numeric code ("Maximum call stack size exceeded").
      if (e instanceof RangeError) refuse(CODE.INVALID_QUERY, `Number of GraphQL fields (nested over ${GRAPHQL_NESTING} levels) exceeds maximum allowed (${LIMITS.graphQLFields})`);
      // Otherwise Parse answers the syntax error.
    }
  }
  if (document) {
    // First of all: the walks below follow fragment spreads, and the count that bounds them
    // (expandedGraphQLFields) counts an unknown or cyclic spread as nothing.
    const fragment = fragmentProblem(document);
    if (fragment) refuse(CODE.INVALID_QUERY, fragment);
    // Next, before any walk below spreads fragments in place (each walk is bounded by it).
    const fields = expandedGraphQLFields(document);
    if (fields > LIMITS.graphQLFields) refuse(CODE.INVALID_QUERY, `Number of GraphQL fields (${fields === Infinity ? `nested over ${GRAPHQL_NESTING} levels` : `${fields} or more`}, fragments spread in place) exceeds maximum allowed (${LIMITS.graphQLFields})`);
    const { rows, objects } = graphQLRows(document, body.variables);
    if (rows > LIMITS.rowsPerRequest) refuse(CODE.INVALID_QUERY, `a request may read at most ${LIMITS.rowsPerRequest} objects in all; this one asks for ${rows} (first/last over its fields, 100 where unsaid): ask in pages`);
    if (objects > LIMITS.objectsPerAnswer) refuse(CODE.INVALID_QUERY, tooManyIncluded(objects));
    const repeated = repeatedGraphQLField(document);
    if (repeated) refuse(CODE.INVALID_QUERY, `${repeated.slice(0, 40)} is asked for under more than one name in one object: ask for each field once`);
    const constraint = nullConstraintIn(document, body.variables);
    if (constraint) refuse(CODE.INVALID_QUERY, constraint);
    const where = graphQLWhereProblem(document, body.variables);
    if (where) throw where;
    const node = strangeNodeId(document, body.variables);
    if (node) refuse(CODE.OBJECT_NOT_FOUND, `node: no object has the id ${JSON.stringify(node.slice(0, 60))}`);
    if (authDataIn(document, body.variables)) refuse(UNSUPPORTED_SERVICE, NO_AUTH_DATA);
  }
  for (const t of texts) {
    if (t.includes('\u0000')) refuse(CODE.INVALID_JSON, 'text must not contain NUL characters');
    if (/\\u0000/i.test(t)) refuse(CODE.INVALID_JSON, 'text must not contain NUL characters');
    // Whatever the time and offset, the calendar date must exist.
    for (const m of t.matchAll(ISO_LIKE)) {
      const problem = isoDateProblem(`${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z`);
      if (problem) refuse(CODE.INCORRECT_TYPE, `invalid Date: ${problem}`);
    }
  }
}

// Parse's GraphQL turns these constraints into REST where clauses and failed on a null in them
// (a TypeError: code 1, "Internal server error"), before Cloud Code's beforeFind could refuse.
const LIST_CONSTRAINTS = new Set(['in', 'notIn', 'containedIn', 'containedBy', 'contains', 'containsAll']);
const nullConstraint = (name) => (name === 'exists'
  ? 'exists takes true or false'
  : `${name} cannot list null: use exists to find a missing value`);
/** Why a GraphQL request's where constraints hold a null Parse fails on, or null. */
function nullConstraintIn(document, variables) {
  let problem = null;
  visitGraphQL(document, {
    ObjectField(node) {
      const name = node.name.value;
      const v = node.value;
      if (name === 'exists' && v.kind === 'NullValue') problem ||= nullConstraint(name);
      if (LIST_CONSTRAINTS.has(name) && v.kind === 'ListValue' && v.values.some((x) => x.kind === 'NullValue')) problem ||= nullConstraint(name);
    },
  });
  const walk = (value, depth) => {
    if (problem || !value || typeof value !== 'object' || depth > LIMITS.jsonDepth) return;
    if (Array.isArray(value)) { value.forEach((x) => walk(x, depth + 1)); return; }
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'exists' && inner === null) problem = nullConstraint(key);
      else if (LIST_CONSTRAINTS.has(key) && Array.isArray(inner) && inner.includes(null)) problem = nullConstraint(key);
      else walk(inner, depth + 1);
    }
  };
  walk(variables, 0);
  return problem;
}

// GraphQL where constraints as Parse's GraphQL API turns them into REST ones
// (parse-server/lib/GraphQL/transformers/query.js).
const GRAPHQL_WHERE_KEYS = {
  OR: '$or', AND: '$and', NOR: '$nor', equalTo: '$eq', notEqualTo: '$ne', lessThan: '$lt', lessThanOrEqualTo: '$lte',
  greaterThan: '$gt', greaterThanOrEqualTo: '$gte', in: '$in', notIn: '$nin', exists: '$exists', inQueryKey: '$select',
  notInQueryKey: '$dontSelect', inQuery: '$inQuery', notInQuery: '$notInQuery', containedBy: '$containedBy', contains: '$all',
  matchesRegex: '$regex', options: '$options', text: '$text',
};
/** A GraphQL where input in REST form, for the bounds REST is held to (pointer `have`/`haveNot`
 * are sub-queries, as Parse makes them). */
function restWhereOf(value, depth = 0) {
  if (!value || typeof value !== 'object' || depth > LIMITS.jsonDepth) return value;
  if (Array.isArray(value)) return value.map((x) => restWhereOf(x, depth + 1));
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'have' || key === 'haveNot') out[key === 'have' ? '$inQuery' : '$notInQuery'] = { where: restWhereOf(inner, depth + 1) };
    else out[Object.hasOwn(GRAPHQL_WHERE_KEYS, key) ? GRAPHQL_WHERE_KEYS[key] : key] = restWhereOf(inner, depth + 1);
  }
  return out;
}
/** The name of the first constraint or field holding null in a GraphQL where value, or null. */
function nullIn(value, name = 'where', depth = 0) {
  if (value === null) return name;
  if (!value || typeof value !== 'object' || depth > LIMITS.jsonDepth) return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = nullIn(item, `an item of ${name}`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, inner] of Object.entries(value)) {
    const found = nullIn(inner, key, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Why a `where` argument of a parsed GraphQL document is past what REST allows (conditions,
 * values, text searches and their patterns, sub-queries), or null. Checked here, before Parse
 * works on it: Parse's GraphQL API coerced and rewrote 6,000 conditions before Cloud Code's
 * beforeFind refused them (0.3 s of the one Node process each), and Parse allows no beforeFind
 * on _Session, so `sessions(where:)` was held to nothing at all (any regular expression, 250 of
 * 1,000 characters for 3.5 s of PostgreSQL, 6,000 conditions). */
function graphQLWhereProblem(document, variables) {
  let problem = null;
  visitGraphQL(document, {
    Argument(node) {
      if (problem || node.name.value !== 'where') return;
      let value;
      try {
        value = valueFromASTUntyped(node.value, variables && typeof variables === 'object' ? variables : undefined);
      } catch {
        return; // left to Parse's validation
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) return;
      // A null anywhere in a where (greaterThan: null, equalTo: null, in: null, a field: null,
      // OR: null, have: null...) made Parse's GraphQL transformer throw a TypeError: a bare
      // "Internal server error" (code 1), logged with its stack, for any signed-in user.
      const nullAt = nullIn(value);
      if (nullAt) {
        problem = new Refusal(CODE.INVALID_QUERY, `${nullAt} cannot be null in a where: leave it out, or use exists: false to find a missing value`);
        return;
      }
      const where = restWhereOf(value);
      try {
        checkJson(where, true);
      } catch (e) {
        if (e instanceof Refusal) { problem = e; return; }
        throw e;
      }
      const limits = whereLimitsProblem(where);
      if (limits) problem = new Refusal(CODE.INVALID_QUERY, limits);
    },
  });
  return problem;
}

const NO_AUTH_DATA = 'signing in with another service (authData) is not enabled on this server: use a username and password';
// The arguments that name another service: challengeData asks each provider it names for a
// challenge (challenge), answered "GitHub options are required" and logged with its stack.
const AUTH_DATA_KEYS = new Set(['authData', 'challengeData']);
/** Whether a parsed GraphQL document signs in or up with another service: logInWith, or an
 * authData or challengeData in its arguments or variables (signUp, createUser, updateUser, logIn,
 * challenge). Parse answered each provider it knows but has no options for with "Internal server
 * error" (code 1), logged with its stack at error level, as REST did before checkRestRequest
 * refused authData. */
function authDataIn(document, variables) {
  let found = false;
  visitGraphQL(document, {
    Field(node) { if (node.name.value === 'logInWith') found = true; },
    ObjectField(node) { if (AUTH_DATA_KEYS.has(node.name.value)) found = true; },
    Argument(node) { if (AUTH_DATA_KEYS.has(node.name.value)) found = true; },
  });
  const walk = (value, depth) => {
    if (found || !value || typeof value !== 'object' || depth > LIMITS.jsonDepth) return;
    if (Array.isArray(value)) { value.forEach((x) => walk(x, depth + 1)); return; }
    for (const [key, inner] of Object.entries(value)) {
      if (AUTH_DATA_KEYS.has(key)) found = true;
      else walk(inner, depth + 1);
    }
  };
  walk(variables, 0);
  return found;
}

/** The id given to a `node` query whose class is not one of the schema's, or null. Parse looked
 * the class up as a plain object's key: "__proto__:x" or "constructor:x" (base64) answered
 * "Internal server error". */
function strangeNodeId(document, variables) {
  let strange = null;
  visitGraphQL(document, {
    Field(node) {
      if (node.name.value !== 'node') return;
      for (const arg of node.arguments || []) {
        if (arg.name.value !== 'id') continue;
        const id = arg.value.kind === 'StringValue' ? arg.value.value
          : arg.value.kind === 'Variable' && variables && typeof variables === 'object' ? variables[arg.value.name.value] : undefined;
        if (typeof id !== 'string') continue;
        const decoded = Buffer.from(id, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        // A NUL hidden in the id ("Deal:\u0000") answered "An internal server error occurred".
        if (colon < 0 || !fieldsOf(decoded.slice(0, colon)) || !OBJECT_ID.test(decoded.slice(colon + 1))) strange ||= id;
      }
    },
  });
  return strange;
}

/** Why the fragments of a parsed GraphQL `document` cannot be spread, or null: a spread of a
 * fragment the document does not define, or a fragment that spreads itself (through others or
 * not). Both are refused by GraphQL's validation, which runs after this gate's walks: those follow
 * every spread, and the count that bounds them took an unknown or cyclic spread for no fields.
 * 23 fragments, each spreading the next twice and the last one a fragment not defined (913
 * characters, without a session), held the process for 4.6 s; each one more doubled it.
 * Each fragment is looked at once. */
function fragmentProblem(document) {
  const fragments = new Map(document.definitions.filter((d) => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]));
  // The fragments each definition spreads, read once.
  const spreads = new Map(document.definitions.map((d) => {
    const names = new Set();
    visitGraphQL(d, { FragmentSpread(spread) { names.add(spread.name.value); } });
    return [d, names];
  }));
  for (const names of spreads.values()) {
    for (const name of names) {
      if (!fragments.has(name)) return `Unknown fragment "${name.slice(0, 40)}"`;
    }
  }
  const state = new Map(); // name -> 'open' while its spreads are followed, 'done' after
  const cycleFrom = (name, depth) => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'open') return name;
    if (depth > fragments.size) return name;
    state.set(name, 'open');
    for (const next of spreads.get(fragments.get(name))) {
      const found = cycleFrom(next, depth + 1);
      if (found) return found;
    }
    state.set(name, 'done');
    return null;
  };
  for (const name of fragments.keys()) {
    const cycle = cycleFrom(name, 0);
    if (cycle) return `Cannot spread fragment "${cycle.slice(0, 40)}" within itself`;
  }
  return null;
}

// Selection sets nested deeper than this are refused outright (Parse's own limit is
// LIMITS.graphQLDepth): the count below recurses once per level.
const GRAPHQL_NESTING = 64;
/** The most fields one operation or one fragment definition of a parsed GraphQL `document`
 * selects with its fragments spread in place, counted as Parse's requestComplexity counts them
 * (every field, nested ones included), each fragment once: a chain of fragments each spreading
 * the next twice (2^n fields in n lines) was walked spread by spread, by this gate and by
 * Apollo's validation, and 830 characters held the process for 10 s without a session. An
 * unused fragment counts too (validation, which refuses it, runs later). Stops counting once
 * past LIMITS.graphQLFields; Infinity for selections nested past GRAPHQL_NESTING. */
function expandedGraphQLFields(document) {
  const cap = LIMITS.graphQLFields;
  const fragments = new Map(document.definitions.filter((d) => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]));
  const counted = new Map();
  const inProgress = new Set();
  const countSet = (selectionSet, depth) => {
    if (!selectionSet) return 0;
    if (depth > GRAPHQL_NESTING) return Infinity;
    let n = 0;
    for (const s of selectionSet.selections) {
      if (s.kind === 'Field') n += 1 + countSet(s.selectionSet, depth + 1);
      else if (s.kind === 'InlineFragment') n += countSet(s.selectionSet, depth + 1);
      else if (s.kind === 'FragmentSpread') n += countFragment(s.name.value, depth + 1);
      if (n > cap) return n;
    }
    return n;
  };
  // A fragment's count does not depend on where it is spread (a nesting refusal aside, which
  // refuses the document whatever else it holds). A cycle counts nothing: validation refuses it.
  const countFragment = (name, depth) => {
    if (counted.has(name)) return counted.get(name);
    const fragment = fragments.get(name);
    if (!fragment || inProgress.has(name)) return 0;
    inProgress.add(name);
    const n = countSet(fragment.selectionSet, depth);
    inProgress.delete(name);
    counted.set(name, n);
    return n;
  };
  let most = 0;
  for (const definition of document.definitions) {
    const n = definition.kind === 'FragmentDefinition' ? countFragment(definition.name.value, 0) : countSet(definition.selectionSet, 0);
    most = Math.max(most, n);
    if (most > cap) return most;
  }
  return most;
}

/** For a parsed GraphQL `document`: the fields a selection set selects, its fragments (inline
 * and named) followed, to a depth. */
function fieldsOfSelection(document) {
  const fragments = new Map(document.definitions.filter((d) => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]));
  const fields = (selectionSet, depth = 0) => {
    if (!selectionSet || depth > LIMITS.jsonDepth) return [];
    return selectionSet.selections.flatMap((s) => {
      if (s.kind === 'Field') return [s];
      if (s.kind === 'InlineFragment') return fields(s.selectionSet, depth + 1);
      if (s.kind === 'FragmentSpread' && fragments.has(s.name.value)) return fields(fragments.get(s.name.value).selectionSet, depth + 1);
      return [];
    });
  };
  return fields;
}

/** A field asked for under more than one name in one object of a parsed GraphQL document
 * (aliases of notes: 30 under each of 1,000 deals answered 900 MB), or null. */
function repeatedGraphQLField(document) {
  const fields = fieldsOfSelection(document);
  let repeated = null;
  visitGraphQL(document, {
    SelectionSet(set) {
      const names = new Map();
      for (const f of fields(set)) {
        if (f.name.value === '__typename') continue;
        const key = f.alias ? f.alias.value : f.name.value;
        const keys = names.get(f.name.value) || new Set();
        keys.add(key);
        names.set(f.name.value, keys);
        // Collections and single objects at the top may be aliased (counted as rows above).
        if (keys.size > 1 && !f.arguments?.length) repeated = f.name.value;
      }
    },
  });
  return repeated;
}

// The class collections Parse's GraphQL API answers (100 objects each unless told otherwise).
const GRAPHQL_COLLECTIONS = /\b(companies|contacts|deals|activities|users|roles|sessions|profiles|settingses|objects)\b/;
/** How many objects a parsed GraphQL document may read (`rows`): `first`/`last` of every field that
 * has one (a variable's value; 100 when unsaid or not a number), and 100 for every collection
 * field that has neither; and how many its answer may hold (`objects`), each row with the
 * objects selected under it. Aliases run a field many times: 49 aliased deals(first: 1000) of
 * long notes made a 490 MB answer. */
function graphQLRows(document, variables) {
  // A variable's value, or else its declared default ($n: Int = 1000, sent with no variables,
  // read 10,000 deals as ten aliases counted at 100 each).
  const defaults = new Map();
  for (const definition of document.definitions) {
    for (const v of definition.variableDefinitions || []) {
      if (v.defaultValue && v.defaultValue.kind === 'IntValue') defaults.set(v.variable.name.value, Number(v.defaultValue.value));
    }
  }
  const valueOf = (node) => {
    if (!node) return null;
    if (node.kind === 'IntValue') return Number(node.value);
    if (node.kind === 'Variable') {
      const name = node.name.value;
      const v = variables && typeof variables === 'object' && Object.hasOwn(variables, name) ? variables[name] : defaults.get(name);
      return Number.isInteger(v) && v >= 0 ? v : null;
    }
    return null;
  };
  // A collection read for its count alone (no edges selected) reads no objects.
  const fields = fieldsOfSelection(document);
  const readsObjects = (node) => fields(node.selectionSet).some((f) => f.name.value === 'edges');
  // The objects each row of a collection carries: every field with fields of its own under
  // its edges' node (a pointer Parse includes), but the ACL.
  const carried = (selectionSet, depth = 0) => {
    if (!selectionSet || depth > LIMITS.jsonDepth) return 0;
    let n = 0;
    for (const f of fields(selectionSet)) {
      if (f.selectionSet && f.name.value !== 'ACL') n += 1 + carried(f.selectionSet, depth + 1);
    }
    return n;
  };
  // Each node of each edges (aliases of them included), fragments followed.
  const nodesOf = (field) => fields(field.selectionSet).filter((f) => f.name.value === 'edges')
    .flatMap((edges) => fields(edges.selectionSet).filter((f) => f.name.value === 'node'));
  let rows = 0;
  let objects = 0;
  visitGraphQL(document, {
    Field(node) {
      const counted = (node.arguments || []).filter((a) => a.name.value === 'first' || a.name.value === 'last');
      if (!readsObjects(node)) return;
      let read = 0;
      if (counted.length > 0) {
        read = Math.max(...counted.map((a) => valueOf(a.value) ?? 100));
      } else if (GRAPHQL_COLLECTIONS.test(node.name.value)) {
        read = 100;
      }
      rows += read;
      objects += read * (1 + nodesOf(node).reduce((n, f) => n + carried(f.selectionSet), 0));
    },
  });
  return { rows, objects };
}

// Account endpoints are limited per client address and minute (rules.RATE_LIMITS), with one
// counter per kind whichever way the request comes: REST, a /batch sub-request or a GraphQL
// mutation. (Parse's own rateLimit matches REST paths only and counts each path apart.)
// Counters live in this process, or, in cluster mode (redisURL), in Redis, shared by every
// instance behind the load balancer (with a fall-back to this process's counters while Redis
// does not answer).
const REQUEST_LIMIT_EXCEEDED = 155;
const INVALID_SESSION_TOKEN = 209;
const UNSUPPORTED_SERVICE = 252;
/** The GraphQL fields that do what a counted REST account request does. Each occurrence
 * counts (aliases run a field many times in one request); updateUser only when it sets an
 * e-mail or username (its answer tells whether another account holds it), and as a log-in when
 * it sets a password (the current one is checked). */
const GRAPHQL_ACCOUNT_FIELDS = {
  signUp: 'signUp', createUser: 'signUp', updateUser: 'signUp',
  logIn: 'logIn', logInWith: 'logIn', challenge: 'logIn',
  resetPassword: 'passwordReset', sendVerificationEmail: 'passwordReset', confirmResetPassword: 'passwordReset',
};
// Most GraphQL requests name no account field: they are not parsed a second time (Parse parses
// each one anyway). An alias or fragment still names the field itself, so this never misses one.
const GRAPHQL_ACCOUNT_FIELD_NAMED = new RegExp(`\\b(${Object.keys(GRAPHQL_ACCOUNT_FIELDS).join('|')})\\b`);
function graphQLAccountKinds(query, variables) {
  if (!GRAPHQL_ACCOUNT_FIELD_NAMED.test(query)) return [];
  let document;
  try {
    document = parseGraphQL(query);
  } catch {
    return []; // Parse answers the syntax error; nothing runs.
  }
  const kinds = [];
  const variablesText = JSON.stringify(variables ?? null);
  visitGraphQL(document, {
    Field(node) {
      const kind = GRAPHQL_ACCOUNT_FIELDS[node.name.value];
      if (!kind) return;
      if (node.name.value === 'updateUser') {
        const args = node.arguments.map((a) => printGraphQL(a)).join(' ');
        // A new password checks the current one, as a log-in does (accountKinds).
        // So does a new e-mail address or username (cloud/main.js).
        const renames = /\b(email|username)\b/.test(args) || /"(email|username)"/.test(variablesText);
        if (renames || /\bpassword\b/.test(args) || /"password"/.test(variablesText)) kinds.push('logIn');
        if (!renames) return;
      }
      kinds.push(kind);
    },
  });
  return kinds;
}
/** How many password-checking fields (logIn, challenge) a GraphQL document selects. */
function graphQLPasswordChecks(query) {
  if (!/\b(logIn|challenge)\b/.test(query)) return 0;
  let n = 0;
  try {
    visitGraphQL(parseGraphQL(query), {
      Field(node) {
        if (node.name.value === 'logIn' || node.name.value === 'challenge') n += 1;
      },
    });
  } catch {
    // not a document: Parse answers the syntax error and runs nothing
  }
  return n;
}

/** The names of the fields a GraphQL document selects (empty if it does not parse: Parse then
 * answers the syntax error and runs nothing). */
function graphQLFieldNames(query) {
  const names = new Set();
  try {
    visitGraphQL(parseGraphQL(query), { Field(node) { names.add(node.name.value); } });
  } catch {
    // not a document
  }
  return names;
}
function accountLimiter(scale, { redisURL } = {}) {
  const local = localLimiter(scale);
  return redisURL ? redisLimiter(scale, redisURL, local) : local;
}

/** Counts each kind in turn (a refusal stops the rest, as a synchronous throw used to). */
async function countAll(limiter, kinds, ip) {
  for (const kind of kinds) await limiter(kind, ip);
}

const limitOf = (kind, scale) => Math.max(1, Math.round(RATE_LIMITS[kind].perMinute * scale));
function overLimit(kind) {
  refuse(REQUEST_LIMIT_EXCEEDED, `Too many ${RATE_LIMITS[kind].what} from this address; try again in a minute.`);
}

/** A Redis client for counters shared by every instance: `run(op)` answers `op(client)`, or
 * rejects at once while Redis is down and after 1 s when it is slow (its callers then count in
 * this process). Errors are logged at most once a minute. */
function sharedCounters(url, what) {
  const { createClient } = require('redis');
  const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 2000 } });
  let warned = 0;
  client.on('error', (e) => {
    if (Date.now() - warned > 60_000) { warned = Date.now(); console.warn(`${what} Redis:`, e.message); }
  });
  client.connect().catch(() => {});
  return async (op) => {
    if (!client.isReady) throw new Error('not connected');
    let timer;
    const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), 1000); });
    try {
      return await Promise.race([op(client), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** One counter per kind, address and clock minute in Redis (INCR + PEXPIRE). A Redis that is
 * down or slow (1 s) is not waited for: the process's own counters decide meanwhile. */
function redisLimiter(scale, url, local) {
  const run = sharedCounters(url, 'rate-limit');
  return async (kind, ip) => {
    let count;
    try {
      const key = `crm:rate:${kind}:${ip}:${Math.floor(Date.now() / 60_000)}`;
      [count] = await run((client) => client.multi().incr(key).pExpire(key, 120_000).exec());
    } catch {
      return local(kind, ip);
    }
    if (Number(count) > limitOf(kind, scale)) overLimit(kind);
  };
}

function localLimiter(scale) {
  const windows = new Map();
  return (kind, ip) => {
    const now = Date.now();
    // Forget finished windows (not every window: that would reset an attacker's counts too).
    if (windows.size > 10_000) for (const [k, w] of windows) if (now - w.start > 60_000) windows.delete(k);
    const key = `${kind}:${ip}`;
    let w = windows.get(key);
    if (!w || now - w.start > 60_000) { w = { start: now, count: 0 }; windows.set(key, w); }
    if (++w.count > limitOf(kind, scale)) overLimit(kind);
  };
}

// ---- failed log-ins ---------------------------------------------------------------------------

/** Failed log-ins per account and client address (rules.LOGIN_LOCKOUT), counted where Parse
 * checks a password (`installLoginLockout`): `attempt(userId, ip, ok)` answers whether that
 * address is locked out of that account now, and if not counts the attempt (a failure) or
 * forgets the failures (a success). In this process, or in Redis (cluster mode), like the
 * rate limits: a Redis that does not answer leaves the process's own counts to decide. IPv6
 * addresses count by their /64 (one machine is handed a whole /64). */
function loginLockout({ redisURL, threshold = LOGIN_LOCKOUT.threshold, minutes = LOGIN_LOCKOUT.minutes } = {}) {
  const ms = minutes * 60_000;
  const keyOf = (userId, ip) => `${userId}\n${addressGroup(ip)}`;
  const counts = new Map();
  const prune = () => {
    const now = Date.now();
    for (const [k, c] of counts) if (c.until <= now) counts.delete(k);
    // Bounded whatever happens: the oldest go first (Map keeps insertion order).
    for (const k of counts.keys()) {
      if (counts.size <= 100_000) break;
      counts.delete(k);
    }
  };
  setInterval(prune, 60_000).unref();
  // One step per password checked: refused while locked, else counted (a failure) or
  // cleared (a success). Atomic, so that checks made at once cannot all pass the lock.
  const local = async (key, ok) => {
    const now = Date.now();
    let c = counts.get(key);
    if (c && c.until > now && c.count >= threshold) return true;
    if (ok) {
      counts.delete(key);
      return false;
    }
    if (!c || c.until <= now) {
      if (counts.size >= 100_000) prune();
      c = { count: 0, until: now + ms };
      counts.set(key, c);
    }
    c.count += 1;
    // Locked for the whole period from the failure that reached the threshold.
    if (c.count >= threshold) c.until = now + ms;
    return false;
  };
  let attempt = local;
  if (redisURL) {
    const run = sharedCounters(redisURL, 'log-in lockout');
    const SCRIPT = `
      local n = tonumber(redis.call('GET', KEYS[1]) or '0')
      if n >= tonumber(ARGV[1]) then return 1 end
      if ARGV[3] == '1' then redis.call('DEL', KEYS[1]) return 0 end
      n = redis.call('INCR', KEYS[1])
      if n == 1 or n >= tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
      return 0`;
    attempt = async (key, ok) => {
      try {
        const args = [String(threshold), String(ms), ok ? '1' : '0'];
        return Number(await run((client) => client.eval(SCRIPT, { keys: [`crm:login:${key}`], arguments: args }))) === 1;
      } catch {
        return local(key, ok);
      }
    };
  }
  return { attempt: (userId, ip, ok) => attempt(keyOf(userId, ip), ok) };
}

/** What counts as one client address, for the lockout, the rate limits and the fair share: an
 * IPv4 address (also written IPv4-mapped, in any spelling), or an IPv6 /64 (one machine is
 * handed a whole /64). A port or brackets a proxy may add are dropped; anything else that is
 * not an address is its own group. */
function addressGroup(ip) {
  let a = String(ip).trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1];
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.replace(/:\d+$/, '');
  a = a.replace(/%.*$/, '');
  if (isIPv4(a)) return a;
  if (!isIPv6(a)) return a;
  // The last 32 bits may be written as a dotted IPv4 address.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) {
    const [p, q, r, t] = dotted[2].split('.').map(Number);
    a = `${dotted[1]}${((p << 8) | q).toString(16)}:${((r << 8) | t).toString(16)}`;
  }
  const [head, tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = (tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]).map((g) => parseInt(g, 16) || 0);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** Counts failed log-ins inside Parse, where it has checked a password: Parse calls its
 * AccountLockout's `handleLoginAttempt` with the account it found and whether the password was
 * right, for every route that checks one (/login, /verifyPassword, /challenge, GraphQL logIn
 * and challenge), whatever the request's spelling. Parse's own policy (accountLockout, off)
 * counted per account from anywhere, so anyone could lock anyone out; this one counts per
 * account and address (`config.ip`, the address Parse resolved for the request). While an
 * address is locked out of an account, every password it sends is refused the same way, right
 * or wrong. */
let installedLockout = null;
function installLoginLockout(lockout) {
  installedLockout = lockout;
  const AccountLockout = require('parse-server/lib/AccountLockout').default;
  const Parse = require('parse/node');
  AccountLockout.prototype.handleLoginAttempt = async function handleLoginAttempt(loginSuccessful) {
    const userId = this._user && this._user.objectId;
    const ip = this._config && this._config.ip;
    if (!userId || !ip) return;
    if (await lockout.attempt(userId, ip, Boolean(loginSuccessful))) {
      throw new Parse.Error(Parse.Error.OBJECT_NOT_FOUND, lockedOutMessage());
    }
  };
}

/** A `transaction: true` batch with a refused sub-request: Parse rolls it back, then rejects
 * with its results instead of an error, which its error handler answers as a bare 500
 * ("Internal server error."). Answered instead with the first refusal's code, saying which
 * sub-request it was and that nothing was written. Installed before the ParseServer is made. */
function installTransactionRefusals() {
  const batch = require('parse-server/lib/batch');
  const Parse = require('parse/node');
  const mountBatch = batch.mountOnto;
  batch.mountOnto = (router) => mountBatch({
    route: (method, path, handler) => router.route(method, path, (req) => handler(req).catch((error) => {
      const results = error && Array.isArray(error.response) ? error.response : null;
      const index = results ? results.findIndex((r) => r && typeof r.error === 'object') : -1;
      if (index < 0) throw error;
      const { code, error: message } = results[index].error;
      // Parse's "Permission denied" (a master-key route) comes without a code.
      throw new Parse.Error(Number.isInteger(code) ? code : Parse.Error.OPERATION_FORBIDDEN,
        `request ${index + 1} of the transaction was refused, so none of it was written: ${message}`);
    })),
    tryRouteRequest: (...args) => router.tryRouteRequest(...args),
  });
}

/** A user's own password change must name the current password (`currentPassword` in the
 * request's context: `_context` in a REST body, the Parse SDK's `save(null, { context })`):
 * otherwise whoever held a session (a shared computer, a token that leaked) could change it and
 * lock the owner out. Checked like a log-in: a wrong one counts towards the lockout of that
 * account from that address. (Refused with 142 and 155: Parse turns a 101 from a _User save into
 * a bare "Permission denied".) */
async function checkCurrentPassword(database, userId, ip, password, what = 'the password') {
  const Parse = require('parse/node');
  if (typeof password !== 'string' || password === '') {
    throw new Parse.Error(Parse.Error.VALIDATION_ERROR, what === 'the password'
      ? 'changing the password needs the current one (currentPassword in the request context)'
      : /^[a-z]+ing /.test(what) ? `${what} needs the current password (currentPassword in the request context)`
        : `changing ${what} needs the current password (currentPassword in the request context)`);
  }
  const row = await database.oneOrNone('SELECT "_hashed_password" AS hash FROM "_User" WHERE "objectId" = $1', [userId]);
  const ok = Boolean(row && row.hash) && (await require('parse-server/lib/password').compare(password, row.hash));
  if (installedLockout && ip && (await installedLockout.attempt(userId, ip, ok))) {
    throw new Parse.Error(Parse.Error.REQUEST_LIMIT_EXCEEDED, lockedOutMessage());
  }
  if (!ok) throw new Parse.Error(Parse.Error.VALIDATION_ERROR, 'the current password is wrong');
}

function lockedOutMessage() {
  // Parse's words for its own lockout, which clients (crm-wasm's ACCOUNT_LOCKED, the SDK's
  // users) already recognise.
  return `Your account is locked due to multiple failed login attempts from this address. Please try again after ${LOGIN_LOCKOUT.minutes} minute(s).`;
}

/** Routes that check a password (not inside a batch: see checkBatch). */
const PASSWORD_ROUTES = ['/login', '/verifyPassword', '/challenge'];
/** Routes that sign in, or check a sign-in: Parse reads authData (and, on /challenge,
 * challengeData) from their bodies. */
const SIGN_IN_ROUTES = [...PASSWORD_ROUTES, '/loginAs'];

/** Which account limits a REST request (on its canonical path) counts against. Changing one's
 * own e-mail or username counts as a sign-up: the answer tells whether another account holds
 * that address. Changing one's password counts as a log-in: the current password is checked
 * (checkCurrentPassword), a bcrypt comparison each, even once locked out; uncounted, one user's
 * batches of 100 made 1,000 comparisons in a minute and everyone's log-in took 4-5 s instead
 * of 0.14 s. */
function accountKinds(method, path, body) {
  const kinds = [];
  const ownAccount = method === 'PUT' && /^\/(users|classes\/_User)\/[^/]+$/.test(path) && body && typeof body === 'object';
  if (method === 'POST' && (path === '/users' || path === '/classes/_User')) kinds.push('signUp');
  if (ownAccount && (body.email !== undefined || body.username !== undefined)) kinds.push('signUp');
  // An e-mail or username change checks the current password too (cloud/main.js).
  if (ownAccount && (body.password !== undefined || body.email !== undefined || body.username !== undefined)) kinds.push('logIn');
  // Deleting an account checks the current password too (cloud/main.js).
  if (method === 'DELETE' && /^\/(users|classes\/_User)\/[^/]+$/.test(path)) kinds.push('logIn');
  if (['/login', '/verifyPassword', '/challenge', '/loginAs'].includes(path) && (method === 'GET' || method === 'POST')) kinds.push('logIn');
  if (method === 'POST' && (path === '/requestPasswordReset' || path === '/verificationEmailRequest')) kinds.push('passwordReset');
  return kinds;
}

/** Parse refuses some GraphQL requests with no code, which its GraphQL server then labels
 * INTERNAL_SERVER_ERROR: over requestComplexity's depth or field limits (400), and
 * introspection without the master key (403). Those answers get Parse's codes (102, 119), like
 * the gate's own refusals; no other answer is read. */
const UNCODED_GRAPHQL_REFUSALS = [
  [400, 'exceeds maximum allowed', CODE.INVALID_QUERY],
  [403, 'Introspection is not allowed', CODE.OPERATION_FORBIDDEN],
];
function codeGraphQLRefusals(res) {
  const end = res.end.bind(res);
  res.end = (chunk, ...rest) => {
    const known = UNCODED_GRAPHQL_REFUSALS.find(([status]) => status === res.statusCode);
    if (known && (typeof chunk === 'string' || Buffer.isBuffer(chunk)) && chunk.length < 4096) {
      const text = chunk.toString();
      if (text.includes(known[1]) && text.includes('"code":"INTERNAL_SERVER_ERROR"')) {
        const coded = text.replaceAll('"code":"INTERNAL_SERVER_ERROR"', `"code":${known[2]}`);
        if (!res.headersSent) res.setHeader('Content-Length', Buffer.byteLength(coded));
        return end(coded, ...rest);
      }
    }
    return end(chunk, ...rest);
  };
}

/** A GraphQL answer over LIMITS.answerBytes is not sent: Apollo hands Express the whole text
 * (a document within every count, over 3,000 objects of 30 KB of notes, answered 90 MB, and
 * eight of them unread held a gigabyte). The text is made by then; what is spared is holding
 * it for a client that reads it slowly, or never. Nor is a large one while the address has
 * not read what it was sent already (unreadAnswers). */
function boundGraphQLAnswers(req, res) {
  const send = res.send.bind(res);
  res.send = (body) => {
    const tooLarge = (message) => {
      res.type('application/json');
      return send(JSON.stringify({ errors: [{ message, extensions: { code: res.statusCode === 413 ? CODE.OBJECT_TOO_LARGE : REQUEST_LIMIT_EXCEEDED } }] }));
    };
    if (typeof body !== 'string') return send(body);
    const bytes = body.length > LIMITS.largeAnswerBytes / 3 ? Buffer.byteLength(body) : body.length;
    if (bytes > LIMITS.answerBytes) {
      res.status(413);
      return tooLarge(`the answer would be over ${LIMITS.answerBytes / (1024 * 1024)} MB of JSON: ask for fewer objects (first) or fewer fields`);
    }
    if (res.statusCode < 300 && !answersUnread.take(req, res, bytes)) {
      res.status(429);
      return tooLarge(unreadRefusal().message);
    }
    return send(body);
  };
}

function graphQLGuard({ limiter }) {
  const parse = express.json({ type: () => true, limit: LIMITS.bodyBytes, strict: false });
  return (req, res, next) => {
    const reply = (e, status = statusOf(e)) => res.status(status)
      .json({ errors: [{ message: e.message, extensions: { code: e.code } }] });
    codeGraphQLRefusals(res);
    boundGraphQLAnswers(req, res);
    // GraphQL over GET would skip every check below (and the account limits): POST only.
    if (req.method === 'OPTIONS') return next();
    if (req.method !== 'POST') return reply(new Refusal(CODE.INVALID_JSON, 'GraphQL requests are sent with POST'), 405);
    parse(req, res, (err) => {
      if (err) {
        return reply(bodyRefusal(err));
      }
      try {
        checkGraphQL(req.body);
        const query = req.body.query;
        // A persisted query (Apollo's APQ) is sent as a hash, with no text to check or count.
        if (typeof query !== 'string' || (req.body.extensions && req.body.extensions.persistedQuery !== undefined)) {
          refuse(CODE.INVALID_JSON, 'a GraphQL request carries its query text ("query"); persisted queries are not accepted');
        }
        // Sessions come from logging in (as over REST): Parse's createSession would mint more.
        if (/\bcreateSession\b/.test(query) && graphQLFieldNames(query).has('createSession')) {
          refuse(CODE.OPERATION_FORBIDDEN, 'sessions are made by logging in');
        }
        const counted = graphQLAccountKinds(query, req.body.variables);
        if (counted.length === 0) return next();
        // One password per request: aliases would check many at once, ahead of the count of
        // failures (installLoginLockout).
        if (graphQLPasswordChecks(query) > 1) refuse(CODE.OPERATION_FORBIDDEN, 'one logIn per request');
        countAll(limiter, counted, addressGroup(req.ip)).then(() => next(), (e) => (e instanceof Refusal ? reply(e) : next(e)));
      } catch (e) {
        if (e instanceof Refusal) return reply(e);
        next(e);
      }
    });
  };
}

// ---- fair share -----------------------------------------------------------------------------

// The most database operations each client had at once (test instances only: trackPeaks).
const databasePeaks = new Map();
/** The peak for the client the current request is served for, forgotten once read. */
function takeDatabasePeak() {
  const served = servedClient.getStore();
  const peak = (served && databasePeaks.get(served.key)) || 0;
  if (served) databasePeaks.delete(served.key);
  return peak;
}

/** Counts `n` sub-queries against the request being served (a batch's sub-requests and a GraphQL
 * document's fields are one request): false once it has run more than LIMITS.subqueriesPerRequest.
 * Work outside a client's request is not counted. */
function spendSubqueries(n) {
  const served = servedClient.getStore();
  if (!served || !served.spent || n === 0) return true;
  served.spent.subqueries += n;
  return served.spent.subqueries <= LIMITS.subqueriesPerRequest;
}

// The client whose request the current code serves (set by fairShare for everything Parse does
// for the request, through every await), for databaseShare.
const servedClient = new AsyncLocalStorage();

/** Parse's connection pool shared fairly: at most `pool` database operations (queries, tasks,
 * transactions) of clients' requests at once, and at most `perClient` of one client; when one
 * ends, the next to start is a waiting one of the client with the fewest running (the earliest
 * of those). A /batch of 100 reads or a GraphQL query of 99 aliased fields is one request to
 * fairShare but as many queries at once inside Parse: they used to fill the pool's own queue,
 * and every other user's query waited behind them all (10-80 s). Now another user waits at most
 * for one running operation to end. One client alone still uses most of the pool (its batch
 * saves run at nearly full speed). Work outside any request (start-up, LiveQuery) is not
 * counted, and neither is work inside an operation already started (a query in a task), which
 * would otherwise wait on its own client. Wraps the pg-promise database `db`. */
function databaseShare(db, { perClient = LIMITS.databaseOperationsPerClient, pool = LIMITS.databasePool, trackPeaks = false } = {}) {
  const runningOf = new Map();
  let running = 0;
  const waiting = [];
  const count = (key) => runningOf.get(key) || 0;
  const canStart = (key) => running < pool && count(key) < perClient;
  const start = (key) => {
    running += 1;
    runningOf.set(key, count(key) + 1);
    if (trackPeaks) databasePeaks.set(key, Math.max(databasePeaks.get(key) || 0, count(key)));
  };
  const pump = () => {
    for (;;) {
      let next = -1;
      waiting.forEach((w, i) => {
        if (canStart(w.key) && (next < 0 || count(w.key) < count(waiting[next].key))) next = i;
      });
      if (next < 0) return;
      const [w] = waiting.splice(next, 1);
      start(w.key);
      w.resolve();
    }
  };
  const admitted = (key) => new Promise((resolve) => {
    waiting.push({ key, resolve });
    pump();
  });
  const done = (key) => {
    running -= 1;
    if (count(key) <= 1) runningOf.delete(key); else runningOf.set(key, count(key) - 1);
    pump();
  };
  for (const method of ['query', 'task', 'tx']) {
    const original = db[method];
    db[method] = function limited(...args) {
      const served = servedClient.getStore();
      if (!served || served.admitted) return original.apply(this, args);
      return admitted(served.key).then(() => servedClient.run({ ...served, admitted: true }, () => {
        let result;
        try {
          result = Promise.resolve(original.apply(this, args));
        } catch (e) {
          result = Promise.reject(e);
        }
        return result.finally(() => done(served.key));
      }));
    };
  }
  return db;
}

/** Express middleware after the gate's checks: each client has at most `inFlight` requests'
 * worth of work in Parse at a time (a batch weighs its sub-requests, up to `inFlight`: Parse
 * runs them at once), the rest wait in line in order, and a request past `queued` waiting is
 * refused (155). A client is the user of its session token once this process knows the token
 * is real; until then, and without one, its address. A request whose client hangs up while waiting
 * leaves the line. */
/** Whether a request (REST on /parse, or GraphQL) may write: a method other than GET (Parse's
 * _method override read as Parse reads it), a batch with such a sub-request, a GraphQL mutation. */
function mayWrite(req) {
  const body = req.body && typeof req.body === 'object' ? req.body : {};
  if (req.baseUrl === '/graphql') return typeof body.query !== 'string' || /\bmutation\b/.test(body.query);
  const method = (req.method === 'POST' && typeof body._method === 'string' ? body._method : req.method).toUpperCase();
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  if (req.path === '/batch' && Array.isArray(body.requests)) return body.requests.some((r) => !r || String(r.method).toUpperCase() !== 'GET');
  return true;
}

/** `liveWriteWait(key, address)`: how long (ms) a client must wait before writing again, its
 * writes having sent others more Live Query events than one client may (liveEventBudgets
 * writerWait); its writes are refused (155) meanwhile, its reads served. */
function fairShare({ inFlight = LIMITS.inFlightPerClient, queued = LIMITS.queuedPerClient, liveWriteWait = () => 0 } = {}) {
  const clients = new Map();
  const sessions = knownSessions();
  const tokenOf = (req) => req.get('x-parse-session-token') || (req.body && typeof req.body._SessionToken === 'string' ? req.body._SessionToken : '');
  // Made-up tokens cost nothing to make: keyed by token, each would be a client of its own (1,500
  // of them at once made another user wait 4.8 s). So a token is its own client only once Parse
  // found a user for it, or handed it out here (sign-up, log-in).
  // A known token's client is its user: sessions cost a log-in each, and 4 of them held 4 shares.
  const clientOf = (req) => {
    const token = tokenOf(req);
    if (!token || !sessions.has(token)) return `address:${addressGroup(req.ip)}`;
    const user = sessions.userOf(token);
    return user ? `user:${user}` : `session:${token}`;
  };
  const weightOf = (req) => {
    const requests = req.body && Array.isArray(req.body.requests) && /^\/batch$/.test(req.path) ? req.body.requests.length : 1;
    return Math.min(Math.max(requests, 1), inFlight);
  };
  // Starts waiting requests from the front of the line while they fit (a request alone always fits).
  const pump = (key, client) => {
    while (client.line.length > 0 && (client.running === 0 || client.running + client.line[0].weight <= inFlight)) {
      client.line.shift().start();
    }
    if (client.running === 0 && client.line.length === 0) clients.delete(key);
  };
  const middleware = (req, res, next) => {
    sessions.watch(req, res, tokenOf(req));
    const key = clientOf(req);
    const address = addressGroup(req.ip);
    // How long this request must wait if it writes: the budget is looked up first, so the
    // request is read for a write (a GraphQL document searched for "mutation") only when needed.
    const writeWait = () => {
      const wait = liveWriteWait(key, address);
      return wait > 0 && mayWrite(req) ? wait : 0;
    };
    const refuseWrite = (wait) => answer(res, new Refusal(REQUEST_LIMIT_EXCEEDED, `your writes sent more Live Query events than one client may in 10 s; write again in ${Math.ceil(wait / 1000)} s`));
    const wait = writeWait();
    if (wait > 0) return refuseWrite(wait);
    let client = clients.get(key);
    if (!client) {
      client = { running: 0, line: [] };
      clients.set(key, client);
    }
    const weight = weightOf(req);
    if (client.line.length >= queued) {
      return answer(res, new Refusal(REQUEST_LIMIT_EXCEEDED, `too many requests at once from this client: at most ${inFlight} run and ${queued} wait`));
    }
    let state = 'waiting';
    const entry = {
      weight,
      start: () => {
        // A write that waited behind the ones that spent its writer's budget is refused as well:
        // past the budget, only the events of the requests already running go out.
        const late = writeWait();
        if (late > 0) {
          state = 'done';
          refuseWrite(late);
          return;
        }
        state = 'running';
        client.running += weight;
        // spent: what the request's queries have cost so far, shared by all of them (spendSubqueries).
        servedClient.run({ key, address, admitted: false, spent: { subqueries: 0 } }, next);
      },
    };
    res.once('close', () => {
      if (state === 'running') {
        client.running -= weight;
      } else if (state === 'waiting') {
        const at = client.line.indexOf(entry);
        if (at >= 0) client.line.splice(at, 1);
      }
      state = 'done';
      pump(key, client);
    });
    client.line.push(entry);
    pump(key, client);
  };
  /** The user of a session token this process has seen to be real, or null. */
  middleware.userOf = (token) => (sessions.has(token) ? sessions.userOf(token) || null : null);
  return middleware;
}

/** The session tokens this process has seen to be real, the most recent 100,000: a token Parse
 * found a user for (req.auth, set by its session middleware on the shared request), or one a
 * sign-up, log-in or new session answered with. A success alone proves nothing: /health answers
 * 200 whatever token comes with it. A token Parse answers as invalid (209: logged out, expired,
 * or ended by a password change) is forgotten: kept, it was still its user's client, and whoever
 * held it (the intruder a password change was meant to shut out) filled that user's line with
 * refused requests, and the user's own were refused (155) or waited. */
// A password change (PUT on the user) answers with the user's new session token.
const SESSION_ROUTES = /^\/(login|users|sessions|upgradeToRevocableSession|batch|users\/[^/]+|classes\/_User\/[^/]+)\/?$/;
function knownSessions(max = 100_000) {
  const known = new Map(); // token -> its user's id ('' when not told)
  const learn = (token, user) => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) return;
    const id = typeof user === 'string' && user.length <= 64 ? user : known.get(token) || '';
    known.delete(token);
    known.set(token, id);
    if (known.size > max) known.delete(known.keys().next().value);
  };
  const learnFrom = (body, caller) => {
    if (!body || typeof body !== 'object') return;
    if (Array.isArray(body)) {
      for (const item of body.slice(0, 100)) learnFrom(item && item.success, caller);
      return;
    }
    // A log-in or sign-up answers with the user; a new session (POST /sessions) names it; a
    // password change answers the caller's new one.
    learn(body.sessionToken, body.user && typeof body.user === 'object' ? body.user.objectId : body.objectId || caller);
  };
  return {
    has: (token) => known.has(token),
    userOf: (token) => known.get(token) || null,
    watch(req, res, token) {
      if (SESSION_ROUTES.test(req.path)) {
        const json = res.json;
        res.json = function answered(body) {
          if (res.statusCode < 300) learnFrom(body, req.auth && req.auth.user ? req.auth.user.id : undefined);
          return json.call(this, body);
        };
      }
      if (token && known.has(token)) {
        const json = res.json;
        res.json = function answered(body) {
          if (body && body.code === INVALID_SESSION_TOKEN) known.delete(token);
          return json.call(this, body);
        };
      }
      if (token && !known.has(token)) {
        res.once('finish', () => {
          const user = req.auth && req.auth.user;
          if (user && user.id && req.info && req.info.sessionToken === token) learn(token, user.id);
        });
      }
    },
  };
}

// ---- LiveQuery ------------------------------------------------------------------------------

/** How many `$regex` a where holds, and the longest (in characters). */
function regexesIn(value, found = { count: 0, longest: 0 }, depth = 0) {
  if (!value || typeof value !== 'object' || depth > LIMITS.jsonDepth) return found;
  for (const [k, v] of Object.entries(value)) {
    if (k === '$regex') {
      found.count += 1;
      found.longest = Math.max(found.longest, typeof v === 'string' ? v.length : 0);
    } else {
      regexesIn(v, found, depth + 1);
    }
  }
  return found;
}

const SUBQUERIES = new Set(['$inQuery', '$notInQuery', '$select', '$dontSelect']);
function subqueryIn(value, depth = 0) {
  if (!value || typeof value !== 'object' || depth > LIMITS.jsonDepth) return false;
  return Object.entries(value).some(([k, v]) => SUBQUERIES.has(k) || subqueryIn(v, depth + 1));
}

/** Checks one LiveQuery frame against what this connection has done so far; returns an error
 * frame to send back (and the frame is then dropped), or null to let Parse handle it. */
function checkFrame(state, text, appId) {
  let frame;
  try { frame = JSON.parse(text); } catch { return { code: 1, error: 'a frame must be JSON', reconnect: false }; }
  if (!frame || typeof frame !== 'object') return { code: 1, error: 'a frame must be a JSON object', reconnect: false };
  const requestId = Number.isSafeInteger(frame.requestId) ? frame.requestId : undefined;
  const fail = (error, code = 1) => ({ code, error, reconnect: false, requestId });
  try {
    checkJson(frame);
  } catch (e) {
    return fail(e.message);
  }
  switch (frame.op) {
    case 'connect':
      // Parse checks the keys (keyPairs) but not which application is asked for.
      if (frame.applicationId !== appId) return fail('unknown applicationId', 4);
      // Parse makes a new client for each connect and keeps the old one's subscriptions live
      // (and never removes them): a second connect would get round the cap. One per socket.
      if (state.connected) return fail('this socket is connected already; open a new socket to connect again', 1);
      state.connected = true;
      state.token = typeof frame.sessionToken === 'string' ? frame.sessionToken : undefined;
      return null;
    case 'subscribe':
    case 'update': {
      try {
        const where = frame.query && frame.query.where;
        if (where && JSON.stringify(where).length > LIMITS.liveWhereBytes) {
          return fail(`a subscription's where is limited to ${LIMITS.liveWhereBytes} bytes`, 102);
        }
        checkWhere(where, frame.query && frame.query.className);
        for (const param of ['keys', 'fields', 'watch']) {
          const problem = fieldListProblem(param, frame.query && frame.query[param]);
          if (problem) return fail(problem, 102);
        }
        // Parse's Live Query matcher has no sub-queries: such a subscription never matched.
        if (subqueryIn(where)) return fail('a Live Query subscription cannot hold $inQuery, $notInQuery, $select or $dontSelect', 102);
      } catch (e) {
        return fail(e.message, e.code);
      }
      // Every save of the class is matched against every subscription's regexes, in Node, in the
      // process that serves REST (before and after the save): 200 subscriptions of 56 case-blind
      // literals of 101 characters, on notes of 10,000, blocked it 2 s a save.
      const regexes = regexesIn(frame.query && frame.query.where);
      if (regexes.count > LIMITS.liveRegexesPerSubscription) {
        return fail(`a Live Query subscription may search text at most ${LIMITS.liveRegexesPerSubscription} times ($regex, contains, startsWith)`, 102);
      }
      if (regexes.longest > LIMITS.liveRegexChars) {
        return fail(`a Live Query subscription may search for at most ${LIMITS.liveRegexChars} characters`, 102);
      }
      const before = state.subscriptions.get(requestId) || 0;
      if (state.address && state.address.regexes - before + regexes.count > LIMITS.liveRegexesPerAddress) {
        return fail(`at most ${LIMITS.liveRegexesPerAddress} text searches ($regex) in Live Query subscriptions from one address`, 119);
      }
      // Parse answers a subscription without its connection's token with an error frame on
      // every save of the class, by anyone: work for the server, and a signal of others' saves.
      if (!state.token || frame.sessionToken !== state.token) {
        return fail('a subscription carries the sessionToken its connection was opened with', INVALID_SESSION_TOKEN);
      }
      // An update of an unknown requestId subscribes too: both count against the caps.
      if (requestId === undefined) return fail('requestId must be a whole number');
      if (!state.subscriptions.has(requestId)) {
        if (state.subscriptions.size >= LIMITS.subscriptionsPerConnection) {
          return fail(`at most ${LIMITS.subscriptionsPerConnection} subscriptions per connection`, 119);
        }
        // Every save is checked against every subscription, in the process that serves REST
        // too: what one address may hold in all is capped as well.
        if (state.address && state.address.subscriptions >= LIMITS.subscriptionsPerAddress) {
          return fail(`at most ${LIMITS.subscriptionsPerAddress} subscriptions from one address`, 119);
        }
        if (state.address) state.address.subscriptions += 1;
      }
      if (state.address) state.address.regexes += regexes.count - before;
      state.subscriptions.set(requestId, regexes.count);
      return null;
    }
    case 'unsubscribe':
      if (state.subscriptions.has(requestId) && state.address) {
        state.address.subscriptions -= 1;
        state.address.regexes -= state.subscriptions.get(requestId);
      }
      state.subscriptions.delete(requestId);
      return null;
    default:
      return null;
  }
}

/** The Live Query events one client may be sent in a window, in bytes: a user's
 * (LIMITS.liveEventBytesPer10s; the user of its connection's session token when this process
 * knows it, see fairShare, else the token) and an address's in all (liveEventBytesPerAddress:
 * ten users from one address each had a budget of their own). Every event is written for each of
 * its subscriptions: 200 of them on one user's deals, with that user's own long updates, made the
 * server write 4.6 GB in 42 s and another user's read wait 5 s. Past a budget, the sockets under
 * it are closed and their connects refused until the window ends; the app connects again then
 * and catches up.
 *
 * Who pays for a copy of an event (one per matching subscription):
 * - the first `free` copies of one save (its identity, see eventIdentity) a user is sent are that
 *   save's: charged to its writer (`writer`, the fairShare client whose request made it:
 *   { key, address }; the recipient itself included) when this process served the write, and
 *   free where it did not (a Live Query process of its own does not know the writer); an
 *   address's first `free` copies are free to the address;
 * - the copies past those, and events of unknown identity, are what the recipient multiplied by
 *   subscribing again and again: charged to the recipient.
 * Charged to the recipient for every copy, anyone could assign a user deals and rewrite their
 * notes (10,000 euro signs, object and original, 60 KB an event), spend that user's budget in
 * 2.4 s, and cut their Live Query off for as long as the writes went on. A writer past its budget
 * has its writes refused until the window ends (`writerWait`, asked by fairShare); the events of
 * the writes it had under way are still sent (at most one running batch's: fairShare), so the
 * people it writes to lose nothing. */
function liveEventBudgets(userOf = () => null, {
  perUser = LIMITS.liveEventBytesPer10s,
  perAddress = LIMITS.liveEventBytesPerAddress,
  freePerUser = LIMITS.liveEventFreeCopiesPerUser,
  freePerAddress = LIMITS.liveEventFreeCopiesPerAddress,
  windowMs = 10_000,
} = {}) {
  const budgets = new Map(); // key -> { limit, free, windowStart, bytes, copies, blockedUntil, sockets }
  // Identities remembered per budget and window: past this many, copies are the recipient's (a
  // bound on memory, whatever the rate of saves).
  const REMEMBERED = 20_000;
  // A budget is forgotten once nothing is under it, nothing blocked, and its window's bytes are
  // over (a writer's has no sockets: forgotten mid-window, its count would start again).
  const forget = (key, budget) => {
    const now = Date.now();
    if (budget.sockets.size === 0 && budget.blockedUntil <= now && (budget.bytes === 0 || now - budget.windowStart > windowMs)) budgets.delete(key);
  };
  const budgetOf = (key, limit, free = 0) => {
    let budget = budgets.get(key);
    if (!budget && budgets.size >= 10_000) {
      // Budgets cut off and never back are kept only until their wait is over.
      for (const [k, b] of budgets) forget(k, b);
    }
    if (!budget) {
      budget = { key, limit, free, windowStart: Date.now(), bytes: 0, copies: new Map(), blockedUntil: 0, sockets: new Set() };
      budgets.set(key, budget);
    }
    return budget;
  };
  const renew = (budget) => {
    const now = Date.now();
    if (now - budget.windowStart > windowMs) {
      budget.windowStart = now;
      budget.bytes = 0;
      budget.copies.clear();
      if (budget.writers) budget.writers.clear();
    }
  };
  /** Whether this copy of save `identity` is among the first `free` that `budget`'s client is
   * sent in this window (and counts it). */
  const firstCopy = (budget, identity) => {
    renew(budget);
    if (identity === null) return false;
    const sent = budget.copies.get(identity) || 0;
    if (sent >= budget.free || (sent === 0 && budget.copies.size >= REMEMBERED)) return false;
    budget.copies.set(identity, sent + 1);
    return true;
  };
  /** Adds `bytes` to `budget`: false once it is spent (blocked until its window ends, and the
   * sockets under it closed). */
  const charge = (budget, bytes) => {
    renew(budget);
    budget.bytes += bytes;
    if (budget.bytes <= budget.limit) return true;
    budget.blockedUntil = budget.windowStart + windowMs;
    for (const socket of budget.sockets) socket.terminate();
    return false;
  };
  // A writer's budgets: its client's (a user, or an address until its token proves real) and its
  // address's, apart from the budgets of what it is sent.
  const writerKeys = (writer) => [...new Set([`writes:${writer.key}`, ...(writer.address ? [`writes:address:${writer.address}`] : [])])];
  const writerBudgets = (writer) => writerKeys(writer).map((k) => budgetOf(k, k.startsWith('writes:address:') ? perAddress : perUser));
  /** Charges the first copies of a save to its writer's budgets; an address's also counts what
   * each of its writers spent in the window (see writerWait). */
  const chargeWriter = (writer, bytes) => {
    for (const b of writerBudgets(writer)) {
      charge(b, bytes);
      if (b.key.startsWith('writes:address:')) {
        if (!b.writers) b.writers = new Map();
        if (b.writers.has(writer.key) || b.writers.size < REMEMBERED) b.writers.set(writer.key, (b.writers.get(writer.key) || 0) + bytes);
      }
    }
  };
  return {
    /** A connect with `token` on `ws` from `address`: null when admitted, else how long (ms)
     * until it may be. */
    admit(ws, token, address) {
      const user = userOf(token);
      const mine = [
        budgetOf(user ? `user:${user}` : `session:${token}`, perUser, freePerUser),
        budgetOf(`address:${address}`, perAddress, freePerAddress),
      ];
      const wait = Math.max(...mine.map((b) => b.blockedUntil - Date.now()));
      if (wait > 0) {
        for (const b of mine) forget(b.key, b);
        return wait;
      }
      for (const b of mine) b.sockets.add(ws);
      ws.once('close', () => {
        for (const b of mine) {
          b.sockets.delete(ws);
          forget(b.key, b);
        }
      });
      ws.liveBudgets = mine;
      return null;
    },
    /** Counts an event frame sent on `ws`: `identity` is the save it tells of (or null), `writer`
     * the client whose write made it, where this process served that write (or null). False
     * when a budget of the recipient's is spent (the frame is then not sent, and the recipient's
     * sockets are being closed); a writer's spent budget holds back its next writes, not this
     * frame. */
    spend(ws, data, identity = null, writer = null) {
      const mine = ws.liveBudgets;
      if (!mine) return true;
      const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength || 0;
      const known = writer && typeof writer.key === 'string';
      // The writer pays for the first copies one user is sent (mine[0]), its own writes too:
      // free, one's own writes with 4 subscriptions sent a user 16 MB a second past its budget,
      // for as long as it wrote. An address's further free copies (16) are free to the address
      // but charged to the user they are sent to, never to the writer: they were the writer's,
      // and one recipient's 16 subscriptions charged a victim's writes 4 times what 4 did.
      const [user, address] = mine;
      let ok = true;
      const userFirst = firstCopy(user, identity);
      if (!userFirst) ok = charge(user, bytes) && ok;
      if (address && !firstCopy(address, identity)) ok = charge(address, bytes) && ok;
      if (userFirst && known) chargeWriter(writer, bytes);
      return ok;
    },
    /** How long (ms) the client `key` from `address` must wait before it writes again: its
     * writes sent others more than a writer's budget in this window. 0 when it need not. */
    writerWait(key, address) {
      const now = Date.now();
      let wait = 0;
      for (const k of writerKeys({ key, address })) {
        const b = budgets.get(k);
        if (!b || b.blockedUntil <= now) continue;
        // An address's spent budget holds back the writers from it that spent at least their
        // share of it (the mean), not everyone behind that address: refused all alike, three
        // accounts from an office's address kept every colleague's writes refused.
        if (b.writers && k.startsWith('writes:address:')) {
          const spent = b.writers.get(key) || 0;
          if (spent === 0 || spent * b.writers.size < b.bytes) continue;
        }
        wait = Math.max(wait, b.blockedUntil - now);
      }
      return wait;
    },
    size: () => budgets.size,
  };
}

/** The identity of the save an event tells of (the same for every copy Parse writes of it, one
 * per matching subscription, whatever the subscription's `fields`): set on the socket by Parse's
 * Live Query client while it writes the event, read by the socket's send (guardedWssAdapter).
 * Parse's client builds each event from the saved object's JSON, whose className, objectId and
 * updatedAt it always keeps. */
let eventIdentityInstalled = false;
function installEventIdentity() {
  if (eventIdentityInstalled) return;
  eventIdentityInstalled = true;
  const pushEventOf = LiveQueryClient.prototype._pushEvent;
  LiveQueryClient.prototype._pushEvent = function (type) {
    const push = pushEventOf.call(this, type);
    return function (requestId, object, ...rest) {
      const ws = this.parseWebSocket && this.parseWebSocket.ws;
      if (!ws || !object || typeof object !== 'object') return push.call(this, requestId, object, ...rest);
      ws.liveEventIdentity = eventIdentity(type, object);
      try {
        return push.call(this, requestId, object, ...rest);
      } finally {
        ws.liveEventIdentity = null;
      }
    };
  };
}

/** Whether `ws` (one of `sockets`, those of its address) has more Live Query frames waiting
 * unread than it may: LIMITS.liveBufferedBytes of its own, or, once it has over
 * LIMITS.liveBufferedCheckBytes, its address LIMITS.liveBufferedBytesPerAddress over all of
 * them (200 sockets of 8 MB each would have held 1.6 GB). A client that reads owes nothing:
 * the sum is only taken for a socket that has fallen behind. */
function tooMuchUnread(ws, sockets, limits = LIMITS) {
  const mine = ws.bufferedAmount;
  if (mine > limits.liveBufferedBytes) return true;
  if (mine <= limits.liveBufferedCheckBytes) return false;
  let total = 0;
  for (const s of sockets) {
    total += s.bufferedAmount;
    if (total > limits.liveBufferedBytesPerAddress) return true;
  }
  return false;
}

/** One save's identity: a delete's, or any other event's (create, update, enter, leave: one
 * save sends a subscription one of them). */
function eventIdentity(type, object) {
  const { className, objectId, updatedAt } = object;
  if (typeof className !== 'string' || typeof objectId !== 'string' || typeof updatedAt !== 'string') return null;
  return `${type === 'delete' ? 'delete' : 'save'}\u0000${className}\u0000${objectId}\u0000${updatedAt}`;
}

/** Whether `data`, a frame Parse's Live Query server sends, says the connection's session is
 * not (or no longer) valid: "Invalid session token", or the class-level permission's
 * "Permission denied" (every class requires a session) on an event. */
function sessionEnded(data) {
  if (typeof data !== 'string' || !data.startsWith('{"op":"error"') || data.length > 1000) return false;
  let frame;
  try { frame = JSON.parse(data); } catch { return false; }
  return frame.code === INVALID_SESSION_TOKEN || (frame.code === CODE.OBJECT_NOT_FOUND && frame.error === 'Permission denied');
}

/** Parse's WebSocket adapter with a frame size cap and checkFrame() in front of Parse's own
 * message handler. Passed to createLiveQueryServer as `wssAdapter`; `userOf` (fairShare's) finds
 * a session token's user for the event budget, where this process serves REST too. */
function guardedWssAdapter(appId, { trustProxy, userOf, budgets: sharedBudgets } = {}) {
  installEventIdentity();
  // Behind the cluster's load balancer every socket comes from the balancer: the client's
  // address is then the one it forwards (X-Forwarded-For), trusted from CRM_TRUST_PROXY only.
  const trusted = trustProxy ? proxyaddr.compile(trustProxy.split(',').map((a) => a.trim())) : null;
  const addressOf = (req) => (trusted ? proxyaddr(req, trusted) : req.socket.remoteAddress);
  return class GuardedWSAdapter extends WSAdapter {
    start() {
      const wss = new WebSocketServer({ server: this.options.server, maxPayload: LIMITS.frameBytes });
      wss.on('listening', this.onListen);
      wss.on('error', this.onError);
      const perAddress = new Map();
      const budgets = sharedBudgets || liveEventBudgets(userOf);
      wss.on('connection', (ws, req) => {
        // Each open connection is evaluated on every save: cap them per address, and close one
        // that has not said "connect" within 10 s. An address as every other limit counts it
        // (addressGroup: an IPv6 /64 is one): behind a trusted proxy, each address of a /64 had
        // caps of its own.
        const address = addressGroup(addressOf(req));
        // sockets: the address's open connections (their count is the cap's).
        const load = perAddress.get(address) || { subscriptions: 0, regexes: 0, sockets: new Set() };
        if (load.sockets.size >= LIMITS.connectionsPerAddress) {
          ws.close(1013, 'too many connections from this address');
          return;
        }
        load.sockets.add(ws);
        perAddress.set(address, load);
        // subscriptions: requestId -> the text searches ($regex) it holds.
        const state = { subscriptions: new Map(), windowStart: Date.now(), frames: 0, connected: false, address: load };
        // A client that does not read its events has them wait in this process's memory: ten
        // sockets of 20 subscriptions, not read, took it to 2.7 GB, never given back. Past
        // LIMITS.liveBufferedBytes waiting, or its address's sockets past theirs together
        // (tooMuchUnread), the socket is closed (a client catches up when it connects again).
        const send = ws.send.bind(ws);
        // The gate's own answers (below) go out as they are; Parse's are looked at.
        let replying = false;
        const reply = (frame) => {
          replying = true;
          try { ws.send(JSON.stringify(frame)); } finally { replying = false; }
        };
        let ended = false;
        ws.send = (data, ...rest) => {
          if (ended) return undefined;
          // A session that ended (logged out, its password changed, its account deleted) keeps
          // its subscriptions in Parse, which then answers every save of the class, by anyone
          // and whatever the where, with an error frame per subscription ("Permission denied":
          // a session is required), and logs each: a signal of everyone's saves, and a way to
          // multiply their cost. The first such frame closes the socket, saying why; the
          // client cannot connect again with that session.
          if (!replying && sessionEnded(data)) {
            ended = true;
            send(JSON.stringify({ op: 'error', code: INVALID_SESSION_TOKEN, error: "this connection's session has ended (logged out, expired or revoked): log in and connect again", reconnect: false }));
            ws.close(1008, 'session ended');
            setTimeout(() => ws.terminate(), 2000).unref();
            return undefined;
          }
          if (tooMuchUnread(ws, load.sockets)) {
            ws.terminate();
            return undefined;
          }
          // The save this event tells of, and the client whose write made it when this process
          // served that write (fairShare).
          if (!budgets.spend(ws, data, ws.liveEventIdentity || null, servedClient.getStore() || null)) return undefined;
          return send(data, ...rest);
        };
        ws.on('close', () => {
          load.sockets.delete(ws);
          load.subscriptions -= state.subscriptions.size;
          for (const n of state.subscriptions.values()) load.regexes -= n;
          state.subscriptions.clear();
          if (load.sockets.size === 0) perAddress.delete(address);
        });
        const idle = setTimeout(() => ws.close(1008, 'no connect frame'), 10_000);
        ws.on('close', () => clearTimeout(idle));
        this.onConnection(ws); // Parse attaches its handlers (ws.onmessage) here.
        const forward = ws.onmessage;
        ws.onmessage = (event) => {
          const now = Date.now();
          if (now - state.windowStart > 10_000) { state.windowStart = now; state.frames = 0; }
          if (++state.frames > LIMITS.framesPer10s) {
            ws.close(1008, 'too many frames');
            return;
          }
          const data = typeof event.data === 'string' ? event.data : Buffer.from(event.data).toString('utf8');
          const connecting = !state.connected;
          const problem = checkFrame(state, data, appId);
          if (!problem && connecting && state.connected) {
            clearTimeout(idle);
            const wait = budgets.admit(ws, state.token || '', address);
            if (wait !== null) {
              // Told to come back: the app's Live Query client tries again with backoff.
              reply({ op: 'error', code: REQUEST_LIMIT_EXCEEDED, error: `too many Live Query events for this user or address; connect again in ${Math.ceil(wait / 1000)} s`, reconnect: true });
              ws.close(1013, 'too many events');
              return;
            }
          }
          if (problem) {
            const answer = { op: 'error', ...problem };
            if (answer.requestId === undefined) delete answer.requestId;
            reply(answer);
            return;
          }
          forward.call(ws, { data });
        };
      });
      this.wss = wss;
    }
    close() {
      if (this.wss) this.wss.close();
    }
  };
}

/** Node's own HTTP parser refuses over-long URLs or headers and malformed requests with an
 * empty body; answer them with a Parse error in words like every other refusal. */
function answerClientErrors(server) {
  server.on('clientError', (err, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooBig = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooBig ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = JSON.stringify(tooBig
      ? { code: CODE.OBJECT_TOO_LARGE, error: 'the URL or headers are too long; send long queries as a POST with _method GET' }
      : { code: CODE.INVALID_JSON, error: 'malformed HTTP request' });
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}

module.exports = { spendSubqueries, liveEventBudgets, tooMuchUnread, accountLimiter, loginLockout, installLoginLockout, checkCurrentPassword, installTransactionRefusals, longerThan, unreadAnswers, includedPaths, addressGroup, answerClientErrors, databaseShare, takeDatabasePeak, fairShare, restGuard, graphQLGuard, guardedWssAdapter, checkFrame, checkWhere, Refusal, CODE };
