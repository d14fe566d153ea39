// The PostgreSQL storage adapter Parse Server runs on, with one answer put right: Parse's
// adapter turns `field $in []` into `field IS NULL`, so an empty list (written by a client, or
// built by Parse from a `$inQuery` / matchesQuery subquery that found nothing) answers every
// object whose field is unset instead of none. Here an empty `$in` becomes a clause no object
// matches (`objectId $in []`, which the adapter turns into `objectId IS NULL`, and objectId is
// never null), before any query reaches SQL: finds, counts, distinct and the by-query writes.
// And `undefined` in an `$in` or `$nin` list (a sub-query's object without the key) is dropped,
// and a `$ne: null` beside other operators on a field is given a clause of its own (Parse's
// adapter skipped the others).
const { PostgresStorageAdapter } = require('parse-server/lib/Adapters/Storage/Postgres/PostgresStorageAdapter');
const { Parse } = require('parse/node');
const { LIMITS } = require('./rules');

/** The CHECK that holds a deal's amount in range (added at start: server.js amountsInRange). */
const AMOUNT_RANGE = 'Deal_amount_range';

const MATCHES_NOTHING = { objectId: { $in: [] } };

/** A copy of `where` without the `undefined`s in its `$in` and `$nin` lists (through every
 * $or/$and/$nor); `where` itself when it has none. Parse builds those lists from a `$select` or
 * `$dontSelect` sub-query, one value per object it found, `undefined` for an object without the
 * key (a deal with no close date, a session with no title, a key no class has), and the
 * adapter failed on it: a bare 500 for any signed-in user. A missing value equals nothing, so
 * dropping it changes no answer (an emptied `$in` then matches nothing, below). */
function withoutUndefined(where) {
  if (!where || typeof where !== 'object' || Array.isArray(where) || !hasUndefined(where)) return where;
  const out = {};
  for (const [key, value] of Object.entries(where)) {
    if ((key === '$or' || key === '$and' || key === '$nor') && Array.isArray(value)) {
      out[key] = value.map(withoutUndefined);
    } else if (value && typeof value === 'object' && !Array.isArray(value) && (Array.isArray(value.$in) || Array.isArray(value.$nin))) {
      const kept = { ...value };
      for (const op of ['$in', '$nin']) if (Array.isArray(kept[op])) kept[op] = kept[op].filter((x) => x !== undefined);
      out[key] = kept;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function hasUndefined(where) {
  return Object.entries(where).some(([key, value]) => {
    if (!value || typeof value !== 'object') return false;
    if (Array.isArray(value)) return (key === '$or' || key === '$and' || key === '$nor') && value.some((w) => w && typeof w === 'object' && hasUndefined(w));
    return ['$in', '$nin'].some((op) => Array.isArray(value[op]) && value[op].includes(undefined));
  });
}

const LOGICAL = new Set(['$or', '$and', '$nor']);

/** A copy of `where` in which each field clause that `split(key, value)` answers for is taken
 * apart: `{kept, and}`, the clause's part kept on the field (undefined: none) and a clause
 * ANDed to the whole; through `$or`, `$and` and `$nor`. `where` itself when no clause is split
 * (the common case costs one walk and no copy). */
function splitClauses(where, split) {
  if (!where || typeof where !== 'object' || !hasSplit(where, split)) return where;
  const out = {};
  const and = [];
  for (const [key, value] of Object.entries(where)) {
    const parts = !LOGICAL.has(key) && split(key, value);
    if (LOGICAL.has(key) && Array.isArray(value)) {
      out[key] = value.map((w) => splitClauses(w, split));
    } else if (parts) {
      if (parts.kept) out[key] = parts.kept;
      and.push(parts.and);
    } else {
      out[key] = value;
    }
  }
  if (and.length > 0) out.$and = [...(out.$and || []), ...and];
  return out;
}

function hasSplit(where, split) {
  return Object.entries(where).some(([key, value]) => {
    if (LOGICAL.has(key)) return Array.isArray(value) && value.some((w) => w && typeof w === 'object' && hasSplit(w, split));
    return !!split(key, value);
  });
}

const isOps = (key, value) => !key.startsWith('$') && value && typeof value === 'object' && !Array.isArray(value);

/** A copy of `where` with every `field: {$in: []}` made to match nothing. */
function emptyInMatchesNothing(where) {
  return splitClauses(where, (key, value) => {
    if (key === 'objectId' || !isOps(key, value) || !Array.isArray(value.$in) || value.$in.length > 0) return null;
    const { $in, ...others } = value;
    return { kept: Object.keys(others).length > 0 ? others : undefined, and: MATCHES_NOTHING };
  });
}

/** A copy of `where` in which each `field: {$ne: null, ...others}` is `field: others` and,
 * ANDed, `field: {$ne: null}`. Parse's adapter writes `$ne: null` as IS NOT NULL and then
 * skips the field's other operators: "amount is set and over 50" answered every deal with an
 * amount, `$nin` lists were dropped the same way. */
function neNullAlone(where) {
  return splitClauses(where, (key, value) => {
    if (!isOps(key, value) || value.$ne !== null || Object.keys(value).length < 2) return null;
    const { $ne, ...others } = value;
    return { kept: others, and: { [key]: { $ne: null } } };
  });
}

/** A Parse Date's ISO text, or null for anything else (GraphQL's Date scalar leaves a Date
 * object as the iso). */
function isoOf(v) {
  if (!v || typeof v !== 'object' || v.__type !== 'Date') return null;
  if (typeof v.iso === 'string') return v.iso;
  return v.iso instanceof Date && !Number.isNaN(v.iso.getTime()) ? v.iso.toISOString() : null;
}

/** A copy of `where` with each Date compared by `$eq` or `$ne` written as its ISO text (through
 * every $or/$and/$nor); `where` itself when it has none. Parse's adapter converts a Date for
 * $lt, $gt and a plain equality, but sent the Date's JSON as it was for $eq and $ne, which
 * PostgreSQL refused ("invalid input syntax for type timestamp"): the SDK's notEqualTo(date),
 * and GraphQL's equalTo on a date, answered a bare 500. */
function datesAsText(where, depth = 0) {
  if (!where || typeof where !== 'object' || Array.isArray(where) || depth > 40) return where;
  let out = where;
  const put = (key, value) => {
    if (out === where) out = { ...where };
    out[key] = value;
  };
  for (const [key, value] of Object.entries(where)) {
    if ((key === '$or' || key === '$and' || key === '$nor') && Array.isArray(value)) {
      const clauses = value.map((w) => datesAsText(w, depth + 1));
      if (clauses.some((w, i) => w !== value[i])) put(key, clauses);
    } else if (value && typeof value === 'object' && !Array.isArray(value) && value.__type === undefined) {
      if (isoOf(value.$eq) !== null || isoOf(value.$ne) !== null) {
        const kept = { ...value };
        for (const op of ['$eq', '$ne']) if (isoOf(kept[op]) !== null) kept[op] = isoOf(kept[op]);
        put(key, kept);
      }
    }
  }
  return out;
}

// A statement PostgreSQL cancelled at the statement timeout (57014), a pattern it finds too
// complex to compile (2201B), or a deal amount outside its range (23514, server.js
// amountsInRange) reached the client as a bare 500 "Internal server error": they are answered
// as Parse's TIMEOUT (124), INVALID_QUERY (102) and VALIDATION_ERROR (142), in words.
const timedOut = (error) => {
  if (error && error.code === '57014') {
    throw new Parse.Error(Parse.Error.TIMEOUT, 'the query took longer than the server allows and was stopped: narrow it (fewer or simpler conditions)');
  }
  if (error && error.code === '23514' && error.constraint === AMOUNT_RANGE) {
    throw new Parse.Error(Parse.Error.VALIDATION_ERROR, `Deal.amount: the result would be outside 0 to ${LIMITS.maxAmount.toLocaleString('en-US')}`);
  }
  if (error && error.code === '2201B') {
    throw new Parse.Error(Parse.Error.INVALID_QUERY, 'the text searched for is too complex to match: shorten it');
  }
  throw error;
};

class CrmPostgresAdapter extends PostgresStorageAdapter {
  /** Parse rolls back a `transaction: true` batch with a refused sub-request by failing the
   * transaction on purpose, and the adapter then rejected with pg-promise's BatchError (once
   * rolled back), which reached the client as a bare 500: the rollback is what was asked for.
   * (guard.js installTransactionRefusals answers the refusal.) */
  abortTransactionalSession(session) {
    return super.abortTransactionalSession(session).catch((error) => {
      if (error?.name !== 'BatchError') throw error;
    });
  }
}
// Every adapter method that takes a query takes it third: (className, schema, query, ...).
for (const method of ['find', 'count', 'distinct', 'deleteObjectsByQuery', 'updateObjectsByQuery', 'findOneAndUpdate', 'upsertOneObject']) {
  CrmPostgresAdapter.prototype[method] = function (className, schema, query, ...rest) {
    return PostgresStorageAdapter.prototype[method].call(this, className, schema, neNullAlone(emptyInMatchesNothing(withoutUndefined(datesAsText(query)))), ...rest).catch(timedOut);
  };
}
CrmPostgresAdapter.prototype.createObject = function (...args) {
  return PostgresStorageAdapter.prototype.createObject.apply(this, args).catch(timedOut);
};

/** File uploads are off (server.js); Parse still wants a files adapter beside an explicit
 * database adapter. This one stores nothing and says why. */
class NoFilesAdapter {
  async createFile() { throw new Error('file uploads are off on this server'); }
  async deleteFile() { throw new Error('file uploads are off on this server'); }
  async getFileData() { throw new Error('no files are stored on this server'); }
  getFileLocation(config, filename) { return `${config.mount}/files/${config.applicationId}/${encodeURIComponent(filename)}`; }
}

module.exports = { CrmPostgresAdapter, NoFilesAdapter, emptyInMatchesNothing, withoutUndefined, datesAsText, neNullAlone, AMOUNT_RANGE };
