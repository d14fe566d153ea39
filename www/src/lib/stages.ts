// The pipeline's stages, in board order: the one place the app lists them. Mirrors
// backend/crm-vocabulary.json and the core's default probabilities (10/25/50/75/100/0), so it
// can be swapped for a package export when crm-wasm exports its vocabulary.
import type { Stage, UnknownStage } from 'crm-wasm';

export interface StageInfo {
  /** A known stage, or one another client wrote (shown, never written by this app). */
  id: Stage | UnknownStage;
  label: string;
  /** Chance of winning, 0..1, used for the weighted forecast. */
  probability: number;
  closed: boolean;
  color: string;
}

export const STAGES: readonly (StageInfo & { id: Stage })[] = [
  { id: 'lead', label: 'Lead', probability: 0.1, closed: false, color: 'gray' },
  { id: 'qualified', label: 'Qualified', probability: 0.25, closed: false, color: 'cyan' },
  { id: 'proposal', label: 'Proposal', probability: 0.5, closed: false, color: 'blue' },
  { id: 'negotiation', label: 'Negotiation', probability: 0.75, closed: false, color: 'violet' },
  { id: 'won', label: 'Won', probability: 1, closed: true, color: 'teal' },
  { id: 'lost', label: 'Lost', probability: 0, closed: true, color: 'red' },
];

export const STAGE_IDS: Stage[] = STAGES.map((s) => s.id);

const byId = new Map(STAGES.map((s) => [s.id as string, s]));

// Display helpers take any text: a deal's stage may be one another client wrote.
export function stageInfo(stage: string | undefined): StageInfo {
  return byId.get(stage ?? 'lead') ?? { id: (stage ?? 'lead') as UnknownStage, label: stageLabel(stage), probability: 0, closed: false, color: 'gray' };
}

/** "negotiation" -> "Negotiation"; unknown stages are shown capitalised. */
export function stageLabel(stage: string | undefined): string {
  const known = byId.get(stage ?? '');
  if (known) return known.label;
  const s = String(stage ?? '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const isOpen = (stage: string | undefined) => !stageInfo(stage).closed;

export const STAGE_OPTIONS = STAGES.map((s) => ({ value: s.id as string, label: s.label }));
