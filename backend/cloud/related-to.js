// Activity.relatedTo as a Pointer for Parse SDK, REST and GraphQL users.
//
// A Parse Pointer column is bound to one class, and relatedTo points to a Contact or a Deal. So
// relatedTo is stored as an Object {className, objectId} (what crm-wasm reads, filters on with
// `relatedTo.className`/`relatedTo.objectId`, and what Live Query events carry), and Cloud Code
// keeps two class-bound Pointer columns in step with it: relatedDeal and relatedContact. On top:
// - queries written the SDK's way are rewritten onto those columns (beforeFind): equalTo with a
//   Pointer or {className, objectId}, containedIn / notContainedIn, matchesQuery /
//   doesNotMatchQuery, exists, and containedIn / exists on `relatedTo.objectId`; any other
//   operator on relatedTo is refused with a message, never answered with a 500 or nothing;
// - `include('relatedTo')` includes the right column, and relatedTo is answered as a Pointer
//   (or the included object), so `.id`, `fetch()` and `include` work (afterFind);
// - GraphQL gets the Pointer columns' filters and nested selection (`relatedDeal { title }`).
'use strict';

const RELATED_CLASSES = ['Contact', 'Deal'];
const COLUMN = { Deal: 'relatedDeal', Contact: 'relatedContact' };

const refuse = (message) => { throw new Parse.Error(Parse.Error.INVALID_QUERY, message); };
const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });

/** {className, objectId} of a Pointer, a plain {className, objectId} or a full object. */
function target(value) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const className = value.className;
  const objectId = value.objectId;
  if (!RELATED_CLASSES.includes(className) || typeof objectId !== 'string') return null;
  return { className, objectId };
}

function targetOrRefuse(value, what) {
  const t = target(value);
  if (!t) refuse(`relatedTo ${what} takes a Contact or a Deal (a Pointer or {className, objectId})`);
  return t;
}

/** Constraints on the Pointer columns equivalent to relatedTo being one of `targets`. */
function oneOf(targets) {
  const byClass = {};
  for (const t of targets) (byClass[t.className] ||= []).push(pointer(t.className, t.objectId));
  const parts = Object.entries(byClass).map(([cls, ptrs]) => ({ [COLUMN[cls]]: ptrs.length === 1 ? ptrs[0] : { $in: ptrs } }));
  if (parts.length === 0) return { objectId: { $in: [] } }; // matches nothing, like an empty $in
  return parts.length === 1 ? parts[0] : { $or: parts };
}

/** Constraints for relatedTo being none of `targets` (an activity related to nothing matches;
 * PostgreSQL's NOT IN is false for an empty column, hence the explicit "or missing"). */
function noneOf(targets) {
  const byClass = {};
  for (const t of targets) (byClass[t.className] ||= []).push(pointer(t.className, t.objectId));
  const parts = Object.entries(byClass).map(([cls, ptrs]) => ({
    $or: [{ [COLUMN[cls]]: { $nin: ptrs } }, { [COLUMN[cls]]: { $exists: false } }],
  }));
  return parts.length === 0 ? {} : parts.length === 1 ? parts[0] : { $and: parts };
}

function subquery(value, what) {
  if (!value || typeof value !== 'object' || !RELATED_CLASSES.includes(value.className)) {
    refuse(`relatedTo ${what} takes a query on Contact or Deal`);
  }
  return value.className;
}

/** The constraints a `relatedTo` (or `relatedTo.objectId`) condition stands for, as a list of
 * clauses to AND, or null to keep it as it is (what works on the stored Object already). */
function rewriteCondition(key, value) {
  const isValue = value && typeof value === 'object' && !Array.isArray(value)
    && !Object.keys(value).some((k) => k.startsWith('$'));
  if (key === 'relatedTo') {
    if (isValue) return [oneOf([targetOrRefuse(value, 'equalTo')])];
    if (!value || typeof value !== 'object' || Array.isArray(value)) refuse('relatedTo is compared with a Contact or a Deal');
    const clauses = [];
    for (const [op, arg] of Object.entries(value)) {
      switch (op) {
        case '$eq': clauses.push(oneOf([targetOrRefuse(arg, 'equalTo')])); break;
        case '$ne': clauses.push(noneOf([targetOrRefuse(arg, 'notEqualTo')])); break;
        case '$in':
          if (!Array.isArray(arg)) refuse('relatedTo containedIn takes an array');
          clauses.push(oneOf(arg.map((a) => targetOrRefuse(a, 'containedIn'))));
          break;
        case '$nin':
          if (!Array.isArray(arg)) refuse('relatedTo notContainedIn takes an array');
          clauses.push(noneOf(arg.map((a) => targetOrRefuse(a, 'notContainedIn'))));
          break;
        case '$exists': clauses.push({ relatedTo: { $exists: Boolean(arg) } }); break;
        case '$inQuery': clauses.push({ [COLUMN[subquery(arg, 'matchesQuery')]]: { $inQuery: arg } }); break;
        case '$notInQuery': {
          const cls = subquery(arg, 'doesNotMatchQuery');
          clauses.push({ $or: [{ [COLUMN[cls]]: { $notInQuery: arg } }, { [COLUMN[cls]]: { $exists: false } }] });
          break;
        }
        default:
          refuse(`relatedTo supports equalTo, notEqualTo, containedIn, notContainedIn, exists, matchesQuery and doesNotMatchQuery, not ${op}`);
      }
    }
    return clauses;
  }
  if (key === 'relatedTo.objectId') {
    if (typeof value === 'string') return null; // equality works on the stored Object
    if (!value || typeof value !== 'object') refuse('relatedTo.objectId is compared with an objectId');
    const clauses = [];
    for (const [op, arg] of Object.entries(value)) {
      switch (op) {
        case '$eq': clauses.push({ 'relatedTo.objectId': arg }); break;
        case '$in':
          if (!Array.isArray(arg)) refuse('relatedTo.objectId containedIn takes an array of objectIds');
          clauses.push(oneOf(arg.flatMap((id) => RELATED_CLASSES.map((className) => ({ className, objectId: String(id) })))));
          break;
        case '$nin':
          if (!Array.isArray(arg)) refuse('relatedTo.objectId notContainedIn takes an array of objectIds');
          clauses.push(noneOf(arg.flatMap((id) => RELATED_CLASSES.map((className) => ({ className, objectId: String(id) })))));
          break;
        case '$exists': clauses.push({ relatedTo: { $exists: Boolean(arg) } }); break;
        default: refuse(`relatedTo.objectId supports equalTo, containedIn, notContainedIn and exists, not ${op}`);
      }
    }
    return clauses;
  }
  if (key === 'relatedTo.className') {
    if (typeof value === 'string') return null;
    if (value && typeof value === 'object' && Array.isArray(value.$in)) {
      // Each class once: a list of 1,000 "Deal"s made 1,000 clauses (20 such lists in a where,
      // 14 wheres in a batch, held the process for seconds).
      const classes = RELATED_CLASSES.filter((c) => value.$in.includes(c));
      return [{ $or: classes.map((c) => ({ [COLUMN[c]]: { $exists: true } })).concat([{ objectId: { $in: [] } }]) }];
    }
    refuse('relatedTo.className supports equalTo and containedIn');
  }
  if (key.startsWith('relatedTo.')) refuse(`${key} is not a field: use relatedTo, relatedTo.className or relatedTo.objectId`);
  return null;
}

/** A where clause with every relatedTo condition rewritten, recursively through $or/$and/$nor. */
function rewriteWhere(where) {
  if (!where || typeof where !== 'object') return where;
  const out = {};
  const extra = [];
  for (const [key, value] of Object.entries(where)) {
    if (key === '$or' || key === '$and' || key === '$nor') {
      out[key] = Array.isArray(value) ? value.map(rewriteWhere) : value;
      continue;
    }
    const clauses = rewriteCondition(key, value);
    if (clauses === null) out[key] = value;
    else extra.push(...clauses);
  }
  if (extra.length === 0) return out;
  // ANDed with whatever else the clause holds ($or clauses included).
  const simple = extra.length === 1 && !Object.keys(extra[0]).some((k) => k in out) ? extra[0] : null;
  if (simple) return { ...out, ...simple };
  return { ...out, $and: [...(out.$and || []), ...extra] };
}

function rewriteList(list) {
  if (typeof list !== 'string' || list === '') return list;
  const items = list.split(',').flatMap((item) => {
    if (item === 'relatedTo') return ['relatedTo', 'relatedDeal', 'relatedContact'];
    if (item.startsWith('relatedTo.')) {
      const rest = item.slice('relatedTo.'.length);
      return [`relatedDeal.${rest}`, `relatedContact.${rest}`];
    }
    return [item];
  });
  return [...new Set(items)].join(',');
}

/** Part of Activity's beforeFind (main.js registers the one trigger a class can have). */
function rewriteActivityQuery(request) {
  const json = request.query.toJSON();
  const where = rewriteWhere(json.where || {});
  const include = rewriteList(json.include);
  const keys = json.keys ? rewriteList(json.keys) : json.keys;
  if (JSON.stringify(where) === JSON.stringify(json.where || {}) && include === json.include && keys === json.keys) return;
  request.query.withJSON({ ...json, where, include, keys });
}

// relatedTo answered as a Pointer, or as the included object when the query included it.
Parse.Cloud.afterFind('Activity', (request) => {
  for (const activity of request.objects) {
    const t = target(activity.get('relatedTo'));
    if (!t) continue;
    const column = activity.get(COLUMN[t.className]);
    const included = column && column.id === t.objectId && column.isDataAvailable() && Object.keys(column.attributes).length > 0;
    // A plain JSON Pointer: a Parse.Object without data would be answered as {__type: "Object"}.
    activity.set('relatedTo', included ? column : pointer(t.className, t.objectId));
  }
  return request.objects;
});

/** Sets relatedDeal / relatedContact from relatedTo on every save (clients never set them). */
function syncRelatedColumns(activity, original) {
  const t = target(activity.get('relatedTo')) || (activity.get('relatedTo') && {
    className: activity.get('relatedTo').className, objectId: activity.get('relatedTo').id,
  });
  for (const [cls, column] of Object.entries(COLUMN)) {
    if (t && t.className === cls) {
      activity.set(column, pointer(cls, t.objectId));
    } else if (activity.get(column) !== undefined || (original && original.get(column) !== undefined)) {
      activity.unset(column);
    }
  }
}

module.exports = { rewriteWhere, rewriteActivityQuery, syncRelatedColumns, target };
