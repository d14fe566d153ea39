// The dashboard's figures, from the deals themselves (pure, so the rules are in one place):
// open pipeline = deals not won or lost; weighted forecast = open deals × their stage's
// probability, by month of expected close; average won deal = won deals only; age = now − created
// (for won and lost: closed − created, left out when negative).
import type { Deal, Probabilities } from 'crm-wasm';
import { STAGES, stageInfo } from '../../lib/stages';

export interface DashboardStats {
  openCount: number;
  openTotal: number;
  weighted: number;
  forecastByMonth: { month: string; weighted: number; total: number; count: number }[];
  undatedWeighted: number;
  wonThisMonth: number;
  wonThisQuarter: number;
  winRate?: number;
  averageWon?: number;
  ageByStage: { stage: string; label: string; days?: number; count: number }[];
}

const DAY = 86_400_000;

/** When a closed deal closed: its close date (set to the day it was moved to Won or Lost), else
 * its last change. A won deal counts as won then. */
const closedAt = (d: Deal) => new Date(d.expectedCloseDate ?? d.updatedAt ?? 0);

/** `probabilities` (percent per stage, the user's settings) weigh the forecast; without them, the
 * stages' defaults. */
export function computeStats(deals: Deal[], now = new Date(), probabilities?: Probabilities): DashboardStats {
  const chance = (stage: string, fallback: number) => {
    if (!probabilities) return fallback;
    const p = (probabilities as unknown as Record<string, number | undefined>)[stage] ?? probabilities.other ?? 0;
    return p / 100;
  };
  let openCount = 0, openTotal = 0, weighted = 0, undatedWeighted = 0, won = 0, lost = 0, wonSum = 0, wonWithAmount = 0;
  let wonThisMonth = 0, wonThisQuarter = 0;
  const months = new Map<string, { weighted: number; total: number; count: number }>();
  const ages = new Map<string, { sum: number; count: number; aged: number }>();
  const y = now.getUTCFullYear(), m = now.getUTCMonth(), q = Math.floor(m / 3);
  for (const d of deals) {
    const info = stageInfo(d.stage);
    const amount = d.amount ?? 0;
    if (d.createdAt) {
      const a = ages.get(info.id) ?? { sum: 0, count: 0, aged: 0 };
      // A closed deal stopped ageing when it closed: its time to close, not its age today (a
      // deal won in a week two years ago counted two years).
      const end = info.closed ? Math.min(now.getTime(), closedAt(d).getTime()) : now.getTime();
      const age = end - new Date(d.createdAt).getTime();
      a.count += 1;
      // Closed before it was made (history imported with its old close dates) says nothing of
      // how long deals take: left out of the average, not counted as 0 days.
      if (age >= 0 || !info.closed) {
        a.sum += Math.max(0, age) / DAY;
        a.aged += 1;
      }
      ages.set(info.id, a);
    }
    if (info.id === 'won') {
      won += 1;
      if (d.amount !== undefined) { wonSum += amount; wonWithAmount += 1; }
      const at = closedAt(d);
      if (at.getUTCFullYear() === y && Math.floor(at.getUTCMonth() / 3) === q) {
        wonThisQuarter += amount;
        if (at.getUTCMonth() === m) wonThisMonth += amount;
      }
    } else if (info.id === 'lost') {
      lost += 1;
    } else if (!info.closed) {
      openCount += 1;
      openTotal += amount;
      const w = amount * chance(info.id, info.probability);
      weighted += w;
      if (d.expectedCloseDate) {
        const key = d.expectedCloseDate.slice(0, 7);
        const e = months.get(key) ?? { weighted: 0, total: 0, count: 0 };
        e.weighted += w;
        e.total += amount;
        e.count += 1;
        months.set(key, e);
      } else {
        undatedWeighted += w;
      }
    }
  }
  return {
    openCount,
    openTotal,
    weighted,
    undatedWeighted,
    forecastByMonth: [...months.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, v]) => ({ month, ...v })),
    wonThisMonth,
    wonThisQuarter,
    winRate: won + lost > 0 ? won / (won + lost) : undefined,
    averageWon: wonWithAmount > 0 ? wonSum / wonWithAmount : undefined,
    ageByStage: STAGES.map((s) => {
      const a = ages.get(s.id);
      return { stage: s.id, label: s.label, days: a?.aged ? a.sum / a.aged : undefined, count: a?.count ?? 0 };
    }),
  };
}
