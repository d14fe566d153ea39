// Writes the screens make, in one place: online through the client, offline through the local
// store's queue; the pipeline is updated at once, and deletes can be undone.
import type { Changes, Company, Contact, Deal, Stage } from 'crm-wasm';
import { notifications } from '@mantine/notifications';
import { describeError } from './crm';
import { isOffline as offline } from './offline';
import type { Workspace } from './workspace';

/** Moves a deal to a stage: on the board at once, undone if the save fails. */
export async function moveDeal(w: Workspace, id: string, to: Stage): Promise<void> {
  if (w.pipeline.get(id)?.stage === to) return;
  if (offline(w)) {
    const moveId = w.pipeline.moveDeal(id, to);
    try {
      await w.state.local!.update('Deal', id, { stage: to });
      w.pipeline.confirmMove(moveId);
    } catch (err) {
      w.pipeline.revertMove(moveId);
      throw err;
    }
  } else {
    await w.pipeline.moveAndSave(w.client, id, to);
  }
}

export async function createDeal(w: Workspace, deal: Deal): Promise<Deal> {
  const saved = offline(w) ? ((await w.state.local!.create('Deal', deal)) as Deal) : await w.client.createDeal(deal);
  // With its company's name, as the live query includes it.
  w.pipeline.upsert(saved.company && !offline(w) ? await w.client.getDeal(saved.objectId!, ['company']).catch(() => saved) : saved);
  return saved;
}

/** Sends only `changes` (the fields the user edited), then refreshes the deal on the board. */
export async function updateDeal(w: Workspace, id: string, changes: Changes<Deal>): Promise<void> {
  await w.client.updateDeal(id, changes);
  w.pipeline.upsert(await w.client.getDeal(id, ['company']));
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

export function undoable(message: string, undo: () => Promise<void>) {
  const id = `undo-${Date.now()}`;
  notifications.show({
    id,
    color: 'gray',
    autoClose: 8000,
    message: (
      <span className="undo-line">
        {message}{' '}
        <button
          type="button"
          className="undo-button"
          onClick={() => {
            notifications.hide(id);
            undo().then(
              () => notifications.show({ color: 'teal', message: 'Restored.' }),
              (err) => notifications.show({ color: 'red', message: describeError(err) }),
            );
          }}
        >
          Undo
        </button>
      </span>
    ),
  });
}

export async function deleteDeal(w: Workspace, deal: Deal): Promise<void> {
  await w.client.deleteDeal(deal.objectId!);
  w.pipeline.remove(deal.objectId!);
  undoable(`Deal “${deal.title}” deleted.`, async () => {
    await w.client.createDeal(restorable(deal));
    w.pipeline.upsert(await w.client.getDeal(deal.objectId!, ['company']));
  });
}

export async function deleteContact(w: Workspace, contact: Contact, after: () => void): Promise<void> {
  await w.client.deleteContact(contact.objectId!);
  after();
  undoable(`Contact “${contact.name}” deleted.`, async () => {
    await w.client.createContact(restorable(contact));
    after();
  });
}

/** What points at a company: its contacts and deals. */
export async function companyLinks(w: Workspace, companyId: string) {
  const pointer = { className: 'Company' as const, objectId: companyId };
  const [contacts, deals] = await Promise.all([
    w.client.contacts().equalTo('company', pointer).findAll(),
    w.client.deals().equalTo('company', pointer).findAll(),
  ]);
  return { contacts, deals };
}

/** Deletes a company after unlinking its contacts and deals (they stay, without a company),
 * all or nothing: if an unlink or the delete fails, the links already removed are put back.
 * Undo (in the notification) creates the company again under its id and relinks them. */
export async function deleteCompany(w: Workspace, company: Company, links: { contacts: Contact[]; deals: Deal[] }): Promise<void> {
  const id = company.objectId!;
  const pointer = { className: 'Company' as const, objectId: id };
  const steps = [
    ...links.contacts.map((c) => ({ unlink: () => w.client.updateContact(c.objectId!, { company: null }), relink: () => w.client.updateContact(c.objectId!, { company: pointer }) })),
    ...links.deals.map((d) => ({ unlink: () => w.client.updateDeal(d.objectId!, { company: null }), relink: () => w.client.updateDeal(d.objectId!, { company: pointer }) })),
  ];
  const results = await Promise.allSettled(steps.map((s) => s.unlink()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const relinkDone = () => Promise.allSettled(steps.filter((_, i) => results[i]!.status === 'fulfilled').map((s) => s.relink()));
  if (failed) {
    await relinkDone();
    throw failed.reason;
  }
  try {
    await w.client.deleteCompany(id);
  } catch (err) {
    await relinkDone();
    throw err;
  }
  for (const d of links.deals) {
    const held = w.pipeline.get(d.objectId!);
    if (held) w.pipeline.upsert({ ...held, company: undefined });
  }
  const unlinked = links.contacts.length + links.deals.length;
  undoable(`Company “${company.name}” deleted${unlinked ? ` (${unlinked} ${unlinked === 1 ? 'link' : 'links'} removed)` : ''}.`, async () => {
    await w.client.createCompany(restorable(company));
    await Promise.all(steps.map((s) => s.relink()));
    for (const d of links.deals) {
      if (w.pipeline.get(d.objectId!)) w.pipeline.upsert(await w.client.getDeal(d.objectId!, ['company']));
    }
    restored();
  });
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
