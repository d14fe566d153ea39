// The generated deals both local-store benchmarks write (bench/local, bench/idb-floor): the same
// deals for the same n in every run.
import { lcg } from '../page.js';

const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'];

export function dealsFor(n, companies) {
  const rnd = lcg(n);
  const t0 = Date.UTC(2026, 0, 1);
  return Array.from({ length: n }, (_, i) => {
    const close = new Date(t0 + Math.floor(rnd() * 365) * 86400000).toISOString();
    const updated = new Date(t0 - Math.floor(rnd() * 1e10)).toISOString();
    return {
      objectId: `d${n}x${i.toString(36).padStart(5, '0')}`,
      title: `Deal ${i}`,
      amount: Math.floor(rnd() * 1000) * 100,
      stage: STAGES[Math.floor(rnd() * STAGES.length)],
      expectedCloseDate: close,
      company: { className: 'Company', objectId: companies[Math.floor(rnd() * companies.length)] },
      createdAt: updated,
      updatedAt: updated,
    };
  });
}
