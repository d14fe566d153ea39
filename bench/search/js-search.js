// The plain-JavaScript baseline for the search benchmark: the same index and ranking as
// crm-core's search.rs (fold at index time, substring scan, every word must match, company
// and contact names through their pointers), written for speed.
const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
  .replace(/ß/g, 'ss').replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/ł/g, 'l').replace(/œ/g, 'oe');
const digits = (s) => s.replace(/\D/g, '');
const KIND_ORDER = { Deal: 0, Contact: 1, Company: 2 };
const idOf = (ref) => (ref ? ref.objectId : undefined);

export class JsSearch {
  constructor() {
    this.entries = [];
    this.byKey = new Map();
  }
  put(e) {
    const key = `${e.kind}:${e.id}`;
    const i = this.byKey.get(key);
    if (i === undefined) { this.byKey.set(key, this.entries.length); this.entries.push(e); }
    else this.entries[i] = e;
  }
  static entry(kind, id, name, others, phone) {
    const n = fold(name);
    const rest = others.filter(Boolean);
    return { kind, id, title: name, detail: kind === 'Deal' ? '' : rest.join(' · '), text: [n, ...rest.map(fold)].join('\n'), nameLen: n.length, phone: phone ? digits(phone) : '' };
  }
  setCompanies(list) { for (const c of list) this.put(JsSearch.entry('Company', c.objectId, c.name, [c.website, c.industry])); }
  setContacts(list) { for (const c of list) this.put({ ...JsSearch.entry('Contact', c.objectId, c.name, [c.email, c.phone], c.phone), company: idOf(c.company) }); }
  setDeals(list) { for (const d of list) this.put({ ...JsSearch.entry('Deal', d.objectId, d.title, []), company: idOf(d.company), contact: idOf(d.contact) }); }
  lookup(kind, id) {
    if (id === undefined) return undefined;
    const i = this.byKey.get(`${kind}:${id}`);
    return i === undefined ? undefined : this.entries[i];
  }
  static own(e, w) {
    const t = e.text;
    let best = 0;
    let from = 0;
    for (;;) {
      const at = t.indexOf(w.text, from);
      if (at < 0) break;
      const wordStart = at === 0 || !/[\p{L}\p{N}]/u.test(t[at - 1]);
      // one character: the start of a word of the name only (as search.rs)
      if (w.short && !(at < e.nameLen && wordStart)) { from = at + Math.max(1, w.text.length); continue; }
      const s = at < e.nameLen ? (at === 0 ? 100 : wordStart ? 70 : 45) : (wordStart ? 30 : 15);
      if (s > best) best = s;
      if (best >= 70) break;
      from = at + Math.max(1, w.text.length);
    }
    if (best === 0 && w.digits && e.phone && e.phone.includes(w.digits)) best = 30;
    return best;
  }
  search(query, limit = 20) {
    const words = fold(query).split(/\s+/).filter(Boolean).slice(0, 8).map((w) => {
      const d = digits(w);
      return { text: w, digits: d.length >= 3 && /^[\d+\-().]+$/.test(w) ? d : undefined, short: [...w].length === 1 };
    });
    if (!words.length) return [];
    const hits = [];
    for (const e of this.entries) {
      let total = 0;
      let ok = true;
      for (const w of words) {
        let s = JsSearch.own(e, w);
        if (s === 0 && !w.short) {
          const via = (kind, id) => { const r = this.lookup(kind, id); return r && r.text.slice(0, r.nameLen).includes(w.text); };
          if (via('Company', e.company) || (e.kind === 'Deal' && via('Contact', e.contact))) s = 10;
        }
        if (s === 0) { ok = false; break; }
        total += s;
      }
      if (ok) hits.push([total, e]);
    }
    const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
    hits.sort((a, b) => b[0] - a[0]
      || cmp(a[1].text.slice(0, a[1].nameLen), b[1].text.slice(0, b[1].nameLen))
      || KIND_ORDER[a[1].kind] - KIND_ORDER[b[1].kind]
      || cmp(a[1].id, b[1].id));
    return hits.slice(0, limit).map(([score, e]) => ({ className: e.kind, objectId: e.id, title: e.title, score }));
  }
}
