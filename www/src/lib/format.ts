// Formatting through Intl: money, dates, relative ages. One place, the browser's locale; money
// in the user's currency (their settings: setCurrency, called by the app shell).
export const locale = typeof navigator !== 'undefined' ? navigator.language : undefined;

let currency = 'USD';
const moneyIn = (code: string) => new Intl.NumberFormat(locale, { style: 'currency', currency: code, maximumFractionDigits: 0 });
// One deal's amount as entered: cents shown when it has them ($1,234.50, not $1,235).
const exactIn = (code: string) => new Intl.NumberFormat(locale, { style: 'currency', currency: code });
const compactIn = (code: string) => new Intl.NumberFormat(locale, { style: 'currency', currency: code, notation: 'compact', maximumFractionDigits: 1 });
let money = moneyIn(currency);
let exact = exactIn(currency);
let compact = compactIn(currency);

/** Amounts are shown in `code` (ISO 4217) from now on. */
export function setCurrency(code: string) {
  if (code === currency) return;
  try {
    const [m, e, c] = [moneyIn(code), exactIn(code), compactIn(code)];
    [currency, money, exact, compact] = [code, m, e, c];
  } catch { /* an unknown code: keep the current one */ }
}
export const currencyCode = () => currency;
/** "$", "€", "CHF": the currency's sign as amounts show it. */
export const currencySymbol = () => money.formatToParts(0).find((p) => p.type === 'currency')?.value ?? currency;
/** An amount field's prefix: "$", "€", "CHF " (a code-like sign is spaced from the number). */
/** The shorthand salespeople write amounts in ("25k", "1.5m"): the letter's multiplier. The
 * amount field and the import both read it. */
export const AMOUNT_SHORTHAND: Record<string, number> = { k: 1e3, m: 1e6 };

export const moneyPrefix = () => {
  const sign = currencySymbol();
  return sign.length > 1 ? `${sign} ` : sign;
};
const date = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const month = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });

export const formatMoney = (n: number | undefined | null) => (n === undefined || n === null ? '—' : money.format(n));
/** One record's amount: whole amounts as formatMoney writes them, others with their cents. */
export const formatAmount = (n: number | undefined | null) => (n === undefined || n === null ? '—' : Number.isInteger(n) ? money.format(n) : exact.format(n));
export const formatMoneyCompact = (n: number) => compact.format(n);
/** An amount where room is short (a dashboard tile, a board card): `text`, the amount as
 * formatMoney or formatAmount writes it, while it is `chars` characters at most, else in compact
 * notation ("$1.2B", "€1T"): "€1,000,000,029,…" was cut off a tile and ran into the next one.
 * Show `text` whole beside it (a title). */
export const fitMoney = (n: number | undefined | null, text: string, chars = 12) => (n === undefined || n === null || text.length <= chars ? text : compact.format(n));
export const formatPercent = (n: number | undefined) => (n === undefined ? '—' : percent.format(n));
export const formatNumber = (n: number) => number.format(n);
/** A count with its noun: "1 person", "2 people" (a page said "1 people", "1 organisations"). */
export const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The date pickers' format, in the order formatDate writes a date here ("Dec 15, 2026" or
 * "15 Dec 2026"): one way of writing dates on every screen. */
export const DATE_INPUT_FORMAT = (() => {
  const parts = date.formatToParts(new Date(Date.UTC(2026, 11, 15))).map((p) => p.type);
  return parts.indexOf('day') < parts.indexOf('month') ? 'D MMM YYYY' : 'MMM D, YYYY';
})();

/** The first day of the week in the browser's locale, as the date pickers number it (0 Sunday,
 * 1 Monday, 6 Saturday): a US calendar starts on Sunday, most of Europe's on Monday. */
export const FIRST_DAY_OF_WEEK = ((): 0 | 1 | 2 | 3 | 4 | 5 | 6 => {
  try {
    const loc = new Intl.Locale(locale ?? 'en-US') as Intl.Locale & { getWeekInfo?: () => { firstDay: number }; weekInfo?: { firstDay: number } };
    const first = (loc.getWeekInfo?.() ?? loc.weekInfo)?.firstDay; // 1 Monday … 7 Sunday
    if (first && first >= 1 && first <= 7) return (first % 7) as 0 | 1 | 2 | 3 | 4 | 5 | 6;
  } catch { /* an engine without week data: Monday, the ISO week */ }
  return 1;
})();

/** A calendar date (stored as UTC midnight) for people: "Dec 15, 2026" (in the browser's locale). */
export const formatDate = (iso: string | undefined) => (iso ? date.format(new Date(iso)) : '');

/** "2026-12" -> "Dec 2026". */
export const formatMonth = (ym: string) => month.format(new Date(`${ym}-01T00:00:00.000Z`));

/** An age in days as words: "less than an hour", "5 hours", "12 days". */
export function formatAge(days: number | undefined): string {
  if (days === undefined) return '—';
  const hours = days * 24;
  if (hours < 1) return 'less than an hour';
  if (hours < 24) return `${Math.floor(hours)} ${Math.floor(hours) === 1 ? 'hour' : 'hours'}`;
  const d = Math.round(days);
  return `${d} ${d === 1 ? 'day' : 'days'}`;
}

/** "2026-12-15" (a date input's value) -> the ISO instant the API stores: UTC midnight. */
export const dayToIso = (day: string) => `${day}T00:00:00.000Z`;
/** The ISO instant -> "2026-12-15". */
export const isoToDay = (iso: string | undefined) => iso?.slice(0, 10) ?? '';

/** Due before the user's today. Days are kept as UTC midnight of the day picked (dayToIso), so
 * today is the local day at UTC midnight, as My day and the board's Overdue filter count it (by
 * the UTC day, west of Greenwich a deal due today turned overdue in the evening). */
export function isOverdue(iso: string | undefined, now = Date.now()): boolean {
  if (!iso) return false;
  const today = new Date(now);
  return new Date(iso).getTime() < Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
}

// Characters as people see them: an emoji, a letter with its accents, a flag.
const graphemes = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(locale, { granularity: 'grapheme' }) : undefined;
const firstGrapheme = (s: string) => (graphemes ? graphemes.segment(s)[Symbol.iterator]().next().value?.segment : Array.from(s)[0]) ?? '';

/** "Ada Lovelace" -> "AL"; "نوبي 🚀 Newbie Two" -> "نN": the first character of the first two
 * words that begin with a letter or a digit, whole (w[0] took half of an emoji, shown as "ن�");
 * a name with no such word, its first character. */
export function initials(name: string): string {
  const words = name.split(/\s+/).filter((w) => /^[\p{L}\p{N}]/u.test(w));
  if (words.length === 0) return firstGrapheme(name.trim());
  return words.slice(0, 2).map((w) => firstGrapheme(w).toUpperCase()).join('');
}

/** The name of an included pointer (company, contact), if the object came with it. */
export function refName(ref: unknown): string | undefined {
  return ref && typeof ref === 'object' && 'name' in ref ? String((ref as { name: unknown }).name) : undefined;
}

/** Names and titles in the order people expect: case and accents aside, "Deal 2" before "Deal 10". */
export const byText = new Intl.Collator(locale, { sensitivity: 'base', numeric: true }).compare;

/** A phone number as a tel: link dials it: digits and the dialling marks only ("+1 (555) 010-2030"
 * -> "tel:+15550102030"). */
export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+*#,;]/g, '')}`;
}
