/** Case- and accent-insensitive match of `query` against any of `fields` (every word must match
 * somewhere). Phone numbers also match without their spaces and dashes. */
export function matches(query: string, fields: (string | undefined | null)[]): boolean {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = fields.filter(Boolean).map((f) => fold(f!));
  const digits = fields.filter(Boolean).map((f) => f!.replace(/[^\d+]/g, '')).filter((d) => d.length > 0);
  return words.every((w) => hay.some((h) => h.includes(w)) || (/^[\d+\s-]+$/.test(w) && digits.some((d) => d.includes(w.replace(/[^\d+]/g, '')))));
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
