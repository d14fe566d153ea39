// Writes the screens make, in one place: online through the client, offline through the local
// store's queue; the pipeline is updated at once, and deletes can be undone.
import type { Activity, Changes, Company, Contact, Deal, DealChanges, Stage } from 'crm-wasm';
import { Button, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { activitiesChanged } from './activities';
import { describeError } from './crm';
import { localDay } from '../lib/dates';
import { dayToIso, plural } from '../lib/format';
import { stageInfo } from '../lib/stages';
import { createRecord, destroyRecord, isOffline as offline, updateRecord, withChanges } from './records';
import type { Workspace } from './workspace';

/** What a move from `from` into `to` changes besides the stage: an open deal won or lost gets
 * the day it closed (today) as its close date, as CRMs do; one closed already (won to lost)
 * keeps its own, as in its form. "Won this month" and the Won column's order go by the close
 * date: a deal expected in March and won today counted for March, and one with no date sank
 * to the bottom of Won. */
export function closingChanges(from: string | undefined, to: Stage, now = new Date()): DealChanges {
  return stageInfo(to).closed && !stageInfo(from).closed ? { expectedCloseDate: dayToIso(localDay(now)) } : {};
}

/** Moves a deal to a stage: on the board at once, undone if the save fails. `extra`: the other
 * fields the move writes (by default closingChanges). */
export async function moveDeal(w: Workspace, id: string, to: Stage, extra: DealChanges = closingChanges(w.pipeline.get(id)?.stage, to)): Promise<void> {
  if (w.pipeline.get(id)?.stage === to) return;
  // moveAndSave writes the stage alone.
  const more = Object.keys(extra).length > 0;
  if (offline(w) || more) {
    const moveId = w.pipeline.moveDeal(id, to);
    try {
      await updateRecord(w, 'Deal', id, { ...extra, stage: to });
      w.pipeline.confirmMove(moveId);
      const held = w.pipeline.get(id);
      if (held && more) w.pipeline.upsert(withChanges(held, extra));
    } catch (err) {
      w.pipeline.revertMove(moveId);
      throw err;
    }
  } else {
    await w.pipeline.moveAndSave(w.client, id, to);
  }
}

export async function createDeal(w: Workspace, deal: Deal): Promise<Deal> {
  const saved = await createRecord(w, 'Deal', deal);
  // With its company's name, as the live query includes it.
  w.pipeline.upsert(saved.company && !offline(w) ? await w.client.getDeal(saved.objectId!, ['company']).catch(() => saved) : saved);
  return saved;
}

/** Sends only `changes` (the fields the user edited), then refreshes the deal on the board
 * (offline: the local copy with the changes, queued for the server). */
export async function updateDeal(w: Workspace, id: string, changes: Changes<Deal>): Promise<void> {
  await updateRecord(w, 'Deal', id, changes);
  const held = w.pipeline.get(id);
  if (offline(w)) {
    if (held) w.pipeline.upsert(withChanges(held, changes));
  } else {
    w.pipeline.upsert(await w.client.getDeal(id, ['company']));
  }
}

/** What an Undo of a move to Lost puts back with the stage: the lost reason `before` had (none,
 * mostly), whatever reason was given since it was asked. Always written, not only when this
 * tab has seen the new reason: on a busy server the reason's save was done before its event
 * reached the board, and the reopened deal kept "Lost: …". */
function lostReasonBack(before: Deal): DealChanges {
  return { lostReason: before.lostReason ?? null };
}

/** moveDeal, with Undo in a notification (back to the stage it left). `holdUndo`: the Undo's
 * clock waits until the returned function is called (a question asked about the move, so that
 * the Undo is not gone by the time it is answered). */
export async function moveDealUndoable(w: Workspace, id: string, to: Stage, stageName: (s: Stage) => string, { holdUndo = false } = {}): Promise<() => void> {
  const deal = w.pipeline.get(id);
  // A stage another client wrote that this app does not know cannot be moved back to.
  const from = deal?.stage as Stage | undefined;
  if (!deal || !from || from === to) return () => undefined;
  const extra = closingChanges(from, to);
  await moveDeal(w, id, to, extra);
  return undoable(`“${deal.title}” moved to ${stageName(to)}.`, async () => {
    // Moved again since (here, or by a colleague): moving it back would undo that move instead.
    const now = w.pipeline.get(id);
    if (now?.stage !== to) throw new Error(`“${deal.title}” was moved again since: nothing was undone.`);
    // The close date the move set goes back too, and a lost reason given for it (an open deal
    // kept "Lost: price").
    const closeDate: DealChanges = 'expectedCloseDate' in extra ? { expectedCloseDate: deal.expectedCloseDate ?? null } : {};
    await moveDeal(w, id, from, { ...closeDate, ...(to === 'lost' ? lostReasonBack(deal) : {}) });
  }, `Deal:${id}`, { held: holdUndo });
}

/** A copy that can be created again under the same id (for undo). */
function restorable<T extends { createdAt?: string; updatedAt?: string }>(o: T): T {
  const copy = { ...o } as Record<string, unknown>;
  delete copy.createdAt;
  delete copy.updatedAt;
  delete copy.ACL;
  delete copy.createdBy;
  for (const [k, v] of Object.entries(copy)) {
    // Included objects go back as bare pointers.
    if (v && typeof v === 'object' && 'objectId' in v && 'className' in v) {
      copy[k] = { className: (v as { className: string }).className, objectId: (v as { objectId: string }).objectId };
    }
  }
  return copy as T;
}

/** The Undo notification shown last for each `subject` (a record). */
const lastUndo = new Map<string, string>();

/** A notification saying what was done, with an Undo button that runs `undo` (and says whether
 * it worked). Deletes, moves and bulk changes all use it. With a `subject`, a newer one for the
 * same record takes the older one's place: undoing the older move put the deal back where it
 * was before it, and silently dropped the newer one. */
export function undoable(message: string, undo: () => Promise<void>, subject?: string, { held = false } = {}): () => void {
  const id = `undo-${Date.now()}-${Math.random()}`;
  let pressed = false;
  if (subject) {
    const older = lastUndo.get(subject);
    if (older) notifications.hide(older);
    lastUndo.set(subject, id);
  }
  const content = (
    // Undo beside the message, or under it in a narrow toast (a desktop's, in the navigation).
    <Group gap="xs" justify="space-between" wrap="wrap" className="undo-line">
      <Text size="sm" style={{ flex: '1 1 9rem', minWidth: 0 }}>{message}</Text>
      {/* Never squeezed by a long message (it wraps instead). */}
      <Button
        size="compact-sm"
        variant="subtle"
        style={{ flexShrink: 0 }}
        onClick={() => {
          // An undo can take seconds (a company with many links): the same notification says it
          // is under way, then how it ended.
          pressed = true;
          notifications.update({ id, loading: true, color: 'gray', autoClose: false, withCloseButton: false, message: 'Restoring…' });
          undo().then(
            () => notifications.update({ id, loading: false, color: 'teal', autoClose: 4000, withCloseButton: true, message: 'Restored.' }),
            (err) => notifications.update({ id, loading: false, color: 'red', autoClose: false, withCloseButton: true, message: describeError(err) }),
          );
        }}
      >
        Undo
      </Button>
    </Group>
  );
  notifications.show({
    id,
    color: 'gray',
    autoClose: held ? false : UNDO_MS,
    // Gone (closed, timed out, replaced): no longer the record's last.
    onClose: () => {
      if (subject && lastUndo.get(subject) === id) lastUndo.delete(subject);
    },
    message: content,
  });
  // Starts a held notification's clock (a no-op once it is gone, or once Undo was pressed).
  return () => {
    if (held && !pressed) notifications.update({ id, message: content, autoClose: UNDO_MS });
  };
}

/** How long an Undo is offered. */
const UNDO_MS = 8000;

/** Deletes a deal; answers how to bring it back (created again under its id). */
async function removeDeal(w: Workspace, deal: Deal): Promise<() => Promise<void>> {
  await destroyRecord(w, 'Deal', deal.objectId!);
  w.pipeline.remove(deal.objectId!);
  return async () => {
    const back = await createRecord(w, 'Deal', restorable(deal));
    w.pipeline.upsert(offline(w) ? back : await w.client.getDeal(deal.objectId!, ['company']));
  };
}

async function removeContact(w: Workspace, contact: Contact): Promise<() => Promise<void>> {
  await destroyRecord(w, 'Contact', contact.objectId!);
  return async () => {
    await createRecord(w, 'Contact', restorable(contact));
  };
}

export async function deleteDeal(w: Workspace, deal: Deal): Promise<void> {
  const restore = await removeDeal(w, deal);
  undoable(`Deal “${deal.title}” deleted.`, restore);
}

export async function deleteContact(w: Workspace, contact: Contact, after: () => void): Promise<void> {
  const restore = await removeContact(w, contact);
  after();
  undoable(`Contact “${contact.name}” deleted.`, async () => {
    await restore();
    after();
  });
}

/** Deletes an activity, with Undo (created again under its id). */
export async function deleteActivity(w: Workspace, activity: Activity): Promise<void> {
  await destroyRecord(w, 'Activity', activity.objectId!);
  activitiesChanged();
  undoable(`Activity “${activity.subject}” deleted.`, async () => {
    await createRecord(w, 'Activity', restorable(activity));
    activitiesChanged();
  });
}

export interface CompanyLinks {
  contacts: Contact[];
  deals: Deal[];
}

/** What points at a company: its contacts and deals. */
export async function companyLinks(w: Workspace, companyId: string): Promise<CompanyLinks> {
  const pointer = { className: 'Company' as const, objectId: companyId };
  const [contacts, deals] = await Promise.all([
    w.client.contacts().equalTo('company', pointer).findAll(),
    w.client.deals().equalTo('company', pointer).findAll(),
  ]);
  return { contacts, deals };
}

/** Deletes a company after unlinking its contacts and deals (they stay, without a company),
 * all or nothing: if an unlink or the delete fails, the links already removed are put back.
 * Answers how to bring it back: created again under its id, and relinked. */
async function removeCompany(w: Workspace, company: Company, links: CompanyLinks): Promise<() => Promise<void>> {
  const id = company.objectId!;
  const pointer = { className: 'Company' as const, objectId: id };
  const steps = [
    ...links.contacts.map((c) => ({ unlink: () => updateRecord(w, 'Contact', c.objectId!, { company: null }), relink: () => updateRecord(w, 'Contact', c.objectId!, { company: pointer }) })),
    ...links.deals.map((d) => ({ unlink: () => updateRecord(w, 'Deal', d.objectId!, { company: null }), relink: () => updateRecord(w, 'Deal', d.objectId!, { company: pointer }) })),
  ];
  const results = await Promise.allSettled(steps.map((s) => s.unlink()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const relinkDone = () => Promise.allSettled(steps.filter((_, i) => results[i]!.status === 'fulfilled').map((s) => s.relink()));
  if (failed) {
    await relinkDone();
    throw failed.reason;
  }
  try {
    await destroyRecord(w, 'Company', id);
  } catch (err) {
    await relinkDone();
    throw err;
  }
  for (const d of links.deals) {
    const held = w.pipeline.get(d.objectId!);
    if (held) w.pipeline.upsert({ ...held, company: undefined });
  }
  return async () => {
    await createRecord(w, 'Company', restorable(company));
    await Promise.all(steps.map((s) => s.relink()));
    for (const d of links.deals) {
      if (w.pipeline.get(d.objectId!) && !offline(w)) w.pipeline.upsert(await w.client.getDeal(d.objectId!, ['company']));
    }
    restored();
  };
}

/** removeCompany, with Undo in a notification. */
export async function deleteCompany(w: Workspace, company: Company, links: CompanyLinks): Promise<void> {
  const restore = await removeCompany(w, company, links);
  const unlinked = links.contacts.length + links.deals.length;
  undoable(`Company “${company.name}” deleted${unlinked ? ` (${plural(unlinked, 'link', 'links')} removed)` : ''}.`, restore);
}

const NOUNS = { Deal: ['deal', 'deals'], Contact: ['contact', 'contacts'], Company: ['company', 'companies'] } as const;

/** What a bulk action did: how many, and the first refusal in words when some failed. */
export interface BulkResult {
  done: number;
  failed: number;
  error?: string;
  /** Starts a held Undo's clock (bulkUpdateDeals' `holdUndo`). */
  startUndoClock?: () => void;
}

/** Runs `one` over every item, a few at a time; answers the outcome of each. */
async function each<T, R>(items: T[], one: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await one(items[i]!).then((value) => ({ status: 'fulfilled', value }) as const, (reason: unknown) => ({ status: 'rejected', reason }) as const);
    }
  };
  await Promise.all(Array.from({ length: Math.min(6, items.length) }, worker));
  return out;
}

function summary<R>(results: PromiseSettledResult<R>[]): BulkResult {
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  return { done: results.length - failed.length, failed: failed.length, error: failed[0] && describeError(failed[0].reason) };
}

/** Deletes the selected records (companies after unlinking what points at them); one Undo
 * brings back every one that was deleted. */
export async function bulkDelete(w: Workspace, className: 'Deal' | 'Contact' | 'Company', rows: (Deal | Contact | Company)[]): Promise<BulkResult> {
  const results = await each(rows, async (row) => {
    if (className === 'Deal') return removeDeal(w, row as Deal);
    if (className === 'Contact') return removeContact(w, row as Contact);
    return removeCompany(w, row as Company, await companyLinks(w, row.objectId!));
  });
  const restores = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const result = summary(results);
  if (result.done > 0) {
    const [one, many] = NOUNS[className];
    undoable(`${plural(result.done, one, many)} deleted.`, async () => {
      const back = summary(await each(restores, (restore) => restore()));
      restored();
      if (back.error) throw new Error(back.error);
    });
  }
  return result;
}

/** A pointer's objectId, or the value itself (null for none): what a change compares. */
const idOrValue = (v: unknown) => (v && typeof v === 'object' && 'objectId' in v ? (v as { objectId: unknown }).objectId : v ?? null);

/** The same changes to every selected deal (stage, owner), at once on the board; one Undo puts
 * each deal's previous values back. `changes` may depend on the deal as it is (a move closes
 * an open deal on today). */
export async function bulkUpdateDeals(w: Workspace, deals: Deal[], changes: DealChanges | ((deal: Deal) => DealChanges), what: string, { withUndo = true, holdUndo = false } = {}): Promise<BulkResult> {
  const before = deals.map((d) => {
    const held = w.pipeline.get(d.objectId!) ?? d;
    const change = typeof changes === 'function' ? changes(held) : changes;
    const fields = Object.keys(change) as (keyof Deal)[];
    return { id: d.objectId!, held, change, fields, previous: Object.fromEntries(fields.map((f) => [f, held[f] ?? null])) as DealChanges };
  });
  const apply = (id: string, held: Deal, c: DealChanges) => updateRecord(w, 'Deal', id, c).then(() => {
    if (w.pipeline.get(id)) w.pipeline.upsert(withChanges(w.pipeline.get(id) ?? held, c));
  });
  // A deal that has the change already is not written, nor counted as changed.
  const same = (a: unknown, b: unknown) => idOrValue(a) === idOrValue(b);
  const field = (c: DealChanges, f: keyof Deal) => (c as Record<string, unknown>)[f];
  const moving = before.filter((b) => b.fields.some((f) => !same(field(b.previous, f), field(b.change, f))));
  const results = await each(moving, (b) => apply(b.id, b.held, b.change).then(() => b));
  const result = summary(results);
  if (moving.length === 0) {
    notifications.show({ color: 'gray', message: `${deals.length === 1 ? 'The deal was' : `The ${deals.length} deals were`} ${what} already.` });
  }
  if (result.done > 0 && withUndo) {
    const changed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    result.startUndoClock = undoable(`${plural(result.done, 'deal', 'deals')} ${what}.`, async () => {
      const back = summary(await each(changed, (b) => {
        // A reason given for a move to Lost (asked after it) goes back with the move: undone,
        // the reopened deals kept "Lost: …" and exported it.
        const reason = field(b.change, 'stage') === 'lost' ? lostReasonBack(b.held) : {};
        return apply(b.id, b.held, { ...b.previous, ...reason });
      }));
      restored();
      if (back.error) throw new Error(back.error);
    }, undefined, { held: holdUndo });
  }
  return result;
}

const restoredListeners = new Set<() => void>();
function restored() {
  for (const l of [...restoredListeners]) l();
}
/** Calls `listener` after an undo restored something (lists reload). */
export function onRestored(listener: () => void): () => void {
  restoredListeners.add(listener);
  return () => {
    restoredListeners.delete(listener);
  };
}
