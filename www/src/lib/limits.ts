// The most characters the server takes in each field (backend/rules.js, FIELDS and the account
// rules): the inputs stop there, so no one types past a limit only to be told in the server's
// words ("Company.name must be at most 200 characters").
export const MAX_CHARS = {
  name: 200, // a company's or contact's name, a deal's title, an activity's subject
  industry: 100,
  address: 500,
  website: 2048,
  email: 254,
  phone: 40,
  notes: 10000, // notes and descriptions
  lostReason: 500,
  displayName: 80,
  username: 64,
  password: 128,
} as const;

/** The server's password policy in words (backend/rules.js PASSWORD_RULE), as it answers a
 * password it refuses. */
export const PASSWORD_RULE = 'Passwords need 8 to 128 characters, with at least one letter and one digit or symbol.';
/** The same rule as the server checks it (backend/rules.js PASSWORD_PATTERN): a password that
 * breaks it is said at its field before anything is sent. */
export const PASSWORD_PATTERN = /^(?=.*\p{L})(?=.*[^\p{L}]).{8,128}$/su;

/** The largest amount a deal holds (backend/rules.js LIMITS.maxAmount); none is negative. */
export const MAX_AMOUNT = 1e12;
