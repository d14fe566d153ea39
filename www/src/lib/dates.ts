// Reading a date a person typed into a date field: strictly, so that text which is not a date
// is refused rather than read as some other date ("20/12/2026" once became Feb 1, 2001).
// Accepted: the way the app writes dates ("Dec 20, 2026", "20 Dec 2026", full month names, the
// year left out for this year), ISO "2026-12-20", numbers in the locale's order ("12/20/2026" in
// the US, "20/12/2026" in most other places; the other order too when only it makes a date),
// and "today", "tomorrow", "yesterday". Everything else is not a date (null).

/** Whether the locale writes the month before the day in numeric dates (12/20/2026). */
export function monthFirst(locale: string | undefined): boolean {
  const parts = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'numeric', year: 'numeric', timeZone: 'UTC' })
    .formatToParts(new Date(Date.UTC(2026, 11, 20)))
    .map((p) => p.type);
  return parts.indexOf('month') < parts.indexOf('day');
}

/** Month names of `locale` and of English, short and long, lower case, to their number 1-12. */
function monthNames(locale: string | undefined): Map<string, number> {
  const names = new Map<string, number>();
  for (const loc of [locale, 'en-US']) {
    for (const month of ['short', 'long'] as const) {
      const format = new Intl.DateTimeFormat(loc, { month, timeZone: 'UTC' });
      for (let m = 0; m < 12; m++) {
        const name = format.format(new Date(Date.UTC(2026, m, 1))).toLowerCase().replace(/\.$/, '');
        if (!names.has(name)) names.set(name, m + 1);
      }
    }
  }
  names.set('sept', 9);
  return names;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The years the server keeps dates in (backend/rules.js LIMITS): a year outside them is a typo. */
export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2200;

/** "YYYY-MM-DD" if y-m-d is a day of the calendar (no Feb 30, no Dec 40) between FIRST_YEAR and
 * LAST_YEAR, else null. */
function day(y: number, m: number, d: number): string | null {
  if (!(y >= FIRST_YEAR && y <= LAST_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= 31)) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/** The calendar day of `date` where the user is, "YYYY-MM-DD" (what a date field holds). */
export const localDay = (date: Date = new Date()) => day(date.getFullYear(), date.getMonth() + 1, date.getDate())!;

/** A two-digit year in this century; four digits as they are. */
const fullYear = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));

/** Whether a column's numeric dates put the month first (true) or the day first (false), told
 * by the values only one order can read ("15/03/2027" is day first); undefined when none tells,
 * or they disagree. A file is written in one order: read alone, "03/04/2027" beside
 * "15/03/2027" was taken as March 4 in a US browser. */
export function numericOrderOf(values: Iterable<string>): boolean | undefined {
  let dayFirst = false;
  let monthFirstSeen = false;
  for (const value of values) {
    const m = value.trim().match(/^(\d{1,2})([/.-])(\d{1,2})\2(?:\d{4}|\d{2})(?!\d)/);
    if (!m) continue;
    const [a, b] = [Number(m[1]), Number(m[3])];
    if (a > 12 && b <= 12) dayFirst = true;
    else if (b > 12 && a <= 12) monthFirstSeen = true;
  }
  return dayFirst === monthFirstSeen ? undefined : monthFirstSeen;
}

/** A parser for `locale`; `today` gives the moment "today", "tomorrow" and a left-out year
 * are counted from (tests pass a fixed one); `monthFirstOrder` the order of numeric dates when
 * known otherwise (a file's, see numericOrderOf), else the locale's. */
export function dateParser(locale: string | undefined, today: () => Date = () => new Date(), monthFirstOrder?: boolean) {
  const months = monthNames(locale);
  const usOrder = monthFirstOrder ?? monthFirst(locale);
  const monthOf = (word: string) => months.get(word.toLowerCase().replace(/\.$/, ''));
  const shifted = (days: number) => {
    const now = today();
    return localDay(new Date(now.getFullYear(), now.getMonth(), now.getDate() + days));
  };
  return (input: string): string | null => {
    const text = input.trim().replace(/\s+/g, ' ');
    const word = text.toLowerCase();
    if (word === 'today') return shifted(0);
    if (word === 'tomorrow') return shifted(1);
    if (word === 'yesterday') return shifted(-1);
    let m: RegExpMatchArray | null;
    if ((m = text.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/))) return day(Number(m[1]), Number(m[2]), Number(m[3]));
    if ((m = text.match(/^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$/))) {
      const [a, b, y] = [Number(m[1]), Number(m[3]), fullYear(m[4])];
      const [first, second] = usOrder ? [day(y, a, b), day(y, b, a)] : [day(y, b, a), day(y, a, b)];
      return first ?? second;
    }
    const year = (y: string | undefined) => (y ? Number(y) : today().getFullYear());
    // "Dec 20, 2026", "December 20th 2026", "Dec 20"
    if ((m = text.match(/^(\p{L}+\.?) (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?$/u))) {
      const month = monthOf(m[1]);
      return month ? day(year(m[3]), month, Number(m[2])) : null;
    }
    // "20 Dec 2026", "20. Dezember 2026", "20 Dec"
    if ((m = text.match(/^(\d{1,2})(?:st|nd|rd|th|\.)? (\p{L}+\.?)(?:,? (\d{4}))?$/u))) {
      const month = monthOf(m[2]);
      return month ? day(year(m[3]), month, Number(m[1])) : null;
    }
    return null;
  };
}
