// A deal as a record, at /deals/:id over the board: edit (only the changed fields are sent),
// a warning when the deal changed elsewhere meanwhile, delete (confirmed, undoable), activities.
import { useRef, useState, type FormEvent, type RefObject } from 'react';
import { Link } from 'react-router';
import { ActionIcon, Alert, Anchor, Badge, Button, Divider, Drawer, Group, Modal, NativeSelect, Select, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconMail, IconPhone, IconTrash } from '@tabler/icons-react';
import type { Changes, Deal, Stage } from 'crm-wasm';
import { deleteDeal, undoable, updateDeal } from '../../data/actions';
import { isOffline } from '../../data/records';
import { useNextActivities } from '../../data/activities';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { usePipeline, useQuery } from '../../data/hooks';
import { useOwnerOptions } from '../../data/team';
import { localDay } from '../../lib/dates';
import { dayToIso, formatDate, formatAmount, isoToDay, refName, telHref } from '../../lib/format';
import { MAX_CHARS } from '../../lib/limits';
import { STAGE_OPTIONS, isOpen, stageInfo } from '../../lib/stages';
import { NextStep } from '../activities/NextStep';
import { Activities } from './Activities';
import { DayInput } from '../../components/DayInput';
import { AmountInput } from '../../components/AmountInput';
import { useDiscardGuard } from '../../components/DiscardGuard';
import { LostReasonModal } from './LostReason';

/** The editable fields, as the form holds them. */
interface Form {
  title: string;
  amount: string;
  stage: string;
  close: string;
  company: string;
  contact: string;
  owner: string;
  notes: string;
  lostReason: string;
}
const LABELS: Record<keyof Form, string> = {
  title: 'title', amount: 'amount', stage: 'stage', close: 'expected close', company: 'company', contact: 'contact', owner: 'owner', notes: 'notes', lostReason: 'lost reason',
};

function toForm(d: Deal | undefined): Form {
  return {
    title: d?.title ?? '',
    amount: d?.amount === undefined ? '' : String(d.amount),
    stage: d?.stage ?? 'lead',
    close: isoToDay(d?.expectedCloseDate),
    company: d?.company?.objectId ?? '',
    contact: d?.contact?.objectId ?? '',
    owner: d?.assignedTo?.objectId ?? '',
    notes: d?.notes ?? '',
    lostReason: d?.lostReason ?? '',
  };
}

/** A stage chosen in the form: closing an open deal (won, lost) puts today in its close date,
 * as a move on the board does (closingChanges); choosing again before saving puts back the date
 * it had, unless the date was edited by hand meanwhile. */
function withStage(form: Form, base: Form, stage: string): Partial<Form> {
  const today = localDay();
  const closing = (s: string) => stageInfo(s).closed && !stageInfo(base.stage).closed;
  if (closing(stage) && form.close === base.close) return { stage, close: today };
  if (!closing(stage) && closing(form.stage) && form.close === today) return { stage, close: base.close };
  return { stage };
}

const differing = (a: Form, b: Form) => (Object.keys(a) as (keyof Form)[]).filter((k) => a[k] !== b[k]);

/** The form after a save of `sent` answered `saved`: the saved values, except the fields edited
 * while the save ran (typing goes on during the save: those edits were thrown away). */
function keepNewEdits(now: Form, sent: Form, saved: Form): Form {
  const next = { ...saved };
  for (const f of differing(now, sent)) next[f] = now[f];
  return next as Form;
}

/** Only the fields in `fields`, as changes the API takes ('' unsets). */
function changesOf(form: Form, fields: (keyof Form)[]): Changes<Deal> {
  const c: Record<string, unknown> = {};
  for (const f of fields) {
    const v = form[f];
    switch (f) {
      case 'title': c.title = v; break;
      case 'amount': c.amount = v === '' ? null : Number(v); break;
      case 'stage': c.stage = v as Stage; break;
      case 'close': c.expectedCloseDate = v ? dayToIso(v) : null; break;
      case 'company': c.company = v ? { className: 'Company', objectId: v } : null; break;
      case 'contact': c.contact = v ? { className: 'Contact', objectId: v } : null; break;
      case 'owner': c.assignedTo = v ? { className: '_User', objectId: v } : null; break;
      case 'notes': c.notes = v || null; break;
      case 'lostReason': c.lostReason = v.trim() || null; break;
    }
  }
  return c as Changes<Deal>;
}

export function DealDrawer({ dealId, onClose }: { dealId: string; onClose: () => void }) {
  const { workspace } = useSession();
  usePipeline(workspace.pipeline);
  const live = workspace.pipeline.get(dealId);
  // What the form started from: a change made elsewhere since then is told, not overwritten.
  const [base, setBase] = useState(() => toForm(live));
  const [form, setForm] = useState(base);
  // Nothing edited here: a change made elsewhere simply shows (the notice is for edits it could
  // clash with). A tab with nothing unsaved kept showing its old notes under the notice.
  if (live) {
    const latest = toForm(live);
    if (differing(form, base).length === 0 && differing(latest, base).length > 0) {
      setBase(latest);
      setForm(latest);
    }
  }
  // The record decides whether the drawer may close (unsaved edits ask first).
  const closingRef = useRef<(() => void) | null>(null);
  return (
    <Drawer opened onClose={() => (closingRef.current ?? onClose)()} position="right" size="min(520px, 100%)" title={live?.title ?? 'Deal'} closeButtonProps={{ 'aria-label': 'Close' }} classNames={{ body: 'drawer-body' }} styles={{ title: { fontSize: 'var(--mantine-h4-font-size)', fontWeight: 700, lineHeight: 1.3, overflowWrap: 'anywhere', minWidth: 0 } }}>
      {live ? (
        <DealRecord deal={live} base={base} form={form} setForm={setForm} onSaved={(f, sent) => { setBase(f); setForm((now) => keepNewEdits(now, sent, f)); }} onDeleted={onClose} closingRef={closingRef} />
      ) : (
        <Alert color="gray">This deal was deleted, or it is not shared with you: its owner can assign it to you.</Alert>
      )}
    </Drawer>
  );
}

function DealRecord({ deal, base, form, setForm, onSaved, onDeleted, closingRef }: {
  deal: Deal;
  base: Form;
  form: Form;
  setForm: (f: Form | ((now: Form) => Form)) => void;
  /** The deal as saved, and the form the save sent. */
  onSaved: (saved: Form, sent: Form) => void;
  onDeleted: () => void;
  closingRef: RefObject<(() => void) | null>;
}) {
  const { client, user, workspace } = useSession();
  const next = useNextActivities();
  const [error, setError] = useState<string>();
  // The form a save under way sends (what is typed meanwhile is kept: see keepNewEdits).
  const [sending, setSending] = useState<Form>();
  const busy = sending !== undefined;
  const [confirmOverwrite, setConfirmOverwrite] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  // Moved to Lost here without a reason: asked why, as a move on the board asks.
  const [askLost, setAskLost] = useState(false);
  // Starts the clock of the Undo held while the lost reason is asked.
  const releaseUndo = useRef<() => void>(undefined);
  const companies = useQuery(() => client.companies().ascending('name').limit(1000), 'companies', true);
  const contacts = useQuery(() => client.contacts().ascending('name').limit(1000), 'contacts', true);

  const latest = toForm(deal);
  const edited = differing(form, base);
  // A field the server now holds as edited here is no change elsewhere: it is this save's own,
  // whose event can arrive before the save has read the deal back.
  const elsewhere = differing(latest, base).filter((f) => !edited.includes(f) || latest[f] !== form[f]);
  const clash = edited.filter((f) => elsewhere.includes(f) && form[f] !== latest[f]);
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch });
  // While a save is under way the edits it sends are not at risk: closing then asks only about
  // what was typed since it began.
  // Escape in a dialog over the record closes that dialog only (the drawer hears it too).
  const typedSince = busy && differing(form, sending).length > 0;
  const guard = useDiscardGuard(edited.length > 0 && (!busy || typedSince), onDeleted, 'this deal', closingRef, confirmOverwrite || confirmDelete || askLost);

  async function save(overwrite: boolean) {
    setError(undefined);
    if (edited.length === 0) return;
    if (clash.length > 0 && !overwrite) {
      setConfirmOverwrite(true);
      return;
    }
    setConfirmOverwrite(false);
    setSending(form);
    const before = base;
    const id = deal.objectId!;
    try {
      await updateDeal(workspace, id, changesOf(form, edited));
      const fresh = toForm(workspace.pipeline.get(id));
      onSaved(fresh, form);
      const asking = edited.includes('stage') && fresh.stage === 'lost' && !fresh.lostReason;
      if (asking) setAskLost(true);
      if (edited.includes('stage') && stageInfo(form.stage).closed && !stageInfo(before.stage).closed) {
        // Won or lost here: Undo, as a move on the board offers, puts back the stage, the
        // expected close date the move replaced with today, and no lost reason (it was gone
        // for good: "Closed Dec 2" where the deal was expected in January).
        releaseUndo.current = undoable(`“${fresh.title}” marked ${stageInfo(form.stage).label}.`, async () => {
          if (workspace.pipeline.get(id)?.stage !== form.stage) throw new Error(`“${fresh.title}” was moved again since: nothing was undone.`);
          await updateDeal(workspace, id, changesOf(before, ['stage', 'close', 'lostReason']));
        }, `Deal:${id}`, { held: asking });
        return;
      }
      // Offline the write is queued: say so, as the contacts do.
      notifications.show({ color: 'teal', message: isOffline(workspace) ? 'Deal saved on this device: it goes to the server when you are back online.' : 'Deal saved.' });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setSending(undefined);
    }
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(false);
  };
  /** Take the other change into the form (keeping the user's own edits elsewhere). */
  const takeTheirs = () => {
    const next = { ...form };
    for (const f of elsewhere) if (!edited.includes(f) || clash.includes(f)) next[f] = latest[f];
    onSaved(latest, form);
    setForm(next);
  };

  const companyName = refName(deal.company);
  const companyOptions = (companies.data ?? []).map((c) => ({ value: c.objectId!, label: c.name }));
  if (deal.company?.objectId && !companyOptions.some((o) => o.value === deal.company!.objectId)) companyOptions.push({ value: deal.company.objectId, label: companyName ?? 'Current company' });
  const contactOptions = (contacts.data ?? []).map((c) => ({ value: c.objectId!, label: c.name }));
  const person = contacts.data?.find((c) => c.objectId === deal.contact?.objectId);
  // A colleague's contact (or one not loaded yet) is still named, not shown as "None".
  if (deal.contact?.objectId && !contactOptions.some((o) => o.value === deal.contact!.objectId)) contactOptions.push({ value: deal.contact.objectId, label: refName(deal.contact) ?? (contacts.data ? 'A contact not shared with you' : 'Loading…') });
  const ownerOptions = useOwnerOptions();
  if (form.owner && !ownerOptions.some((o) => o.value === form.owner)) ownerOptions.push({ value: form.owner, label: 'A colleague' });
  const handingOn = form.owner !== base.owner && base.owner === user.objectId && deal.createdBy?.objectId !== user.objectId;
  // Its creator's alone (the server's rule): what a deal links to is shared with its assignee.
  const created = !deal.createdBy?.objectId || deal.createdBy.objectId === user.objectId;
  const creatorsOnly = created ? undefined : "Set by the deal's creator";

  return (
    <Stack gap="md">
      <Group gap="xs">
        <Badge color={stageInfo(deal.stage).color} variant="light">{stageInfo(deal.stage).label}</Badge>
        <Text size="sm" fw={600}>{formatAmount(deal.amount)}</Text>
        {deal.expectedCloseDate && <Text size="sm" c="dimmed">{isOpen(deal.stage) ? 'Closes' : 'Closed'} {formatDate(deal.expectedCloseDate)}</Text>}
        {deal.stage === 'lost' && deal.lostReason && <Text size="sm" c="dimmed" data-testid="lost-reason" className="long-text">Lost: {deal.lostReason}</Text>}
      </Group>
      <NextStep next={next?.('Deal', deal.objectId!)} closed={!isOpen(deal.stage)} size="sm" />
      <Group gap="md">
        {deal.company?.objectId && <Anchor component={Link} to={`/companies/${deal.company.objectId}`} size="sm" className="long-text">{companyName ?? 'Company'}</Anchor>}
        {deal.contact?.objectId && (
          <Group gap={6} wrap="nowrap">
            <Anchor component={Link} to={`/contacts/${deal.contact.objectId}`} size="sm" className="long-text">{contactOptions.find((c) => c.value === deal.contact!.objectId)?.label ?? 'Contact'}</Anchor>
            {/* Call or write from the deal, as a rep on the road does. */}
            {person?.phone && <ActionIcon component="a" href={telHref(person.phone)} variant="light" size="sm" aria-label={`Call ${person.name} (${person.phone})`} title={person.phone}><IconPhone size={14} /></ActionIcon>}
            {person?.email && <ActionIcon component="a" href={`mailto:${person.email}`} variant="light" size="sm" aria-label={`E-mail ${person.name} (${person.email})`} title={person.email}><IconMail size={14} /></ActionIcon>}
          </Group>
        )}
      </Group>
      {elsewhere.length > 0 && (
        <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} title="This deal changed elsewhere" data-testid="changed-elsewhere">
          <Text size="sm">Someone changed the {elsewhere.map((f) => LABELS[f]).join(', ')} since you opened it.{clash.length > 0 && ' Saving would overwrite their change.'}</Text>
          <Button size="compact-sm" variant="light" mt={6} onClick={takeTheirs}>Load their version</Button>
        </Alert>
      )}
      <form onSubmit={submit} aria-label="Edit deal">
        <Stack gap="sm">
          <TextInput label="Title" maxLength={MAX_CHARS.name} value={form.title} onChange={(e) => set({ title: e.currentTarget.value })} />
          <Group grow align="flex-start">
            <AmountInput label="Amount" value={form.amount} onChange={(v) => set({ amount: v === '' ? '' : String(v) })} />
            <NativeSelect label="Stage" data={STAGE_OPTIONS} value={form.stage} onChange={(e) => set(withStage(form, base, e.currentTarget.value))} />
          </Group>
          {/* One column on a phone: beside the date, the owner's name was cut ("Me (Dana Dem"). */}
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md" verticalSpacing="sm">
            <DayInput label="Expected close" clearButtonProps={{ 'aria-label': 'Clear expected close' }} clearable value={form.close || null} onChange={(v) => set({ close: v ?? '' })} />
            <Select label="Owner" placeholder="Unassigned" searchable clearable data={ownerOptions} value={form.owner || null} onChange={(v) => set({ owner: v ?? '' })} description={handingOn ? 'You will no longer see this deal.' : undefined} />
          </SimpleGrid>
          <Select label="Company" placeholder="None" searchable clearable={created} disabled={!created} description={creatorsOnly} data={companyOptions} value={form.company || null} onChange={(v) => set({ company: v ?? '' })} />
          <Select label="Contact" placeholder="None" searchable clearable={created} disabled={!created} description={creatorsOnly} data={contactOptions} value={form.contact || null} onChange={(v) => set({ contact: v ?? '' })} />
          {form.stage === 'lost' && (
            <TextInput label="Lost reason" placeholder="Why was it lost?" maxLength={MAX_CHARS.lostReason} value={form.lostReason} onChange={(e) => set({ lostReason: e.currentTarget.value })} />
          )}
          <Textarea label="Notes" autosize minRows={2} maxLength={MAX_CHARS.notes} value={form.notes} onChange={(e) => set({ notes: e.currentTarget.value })} />
          {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
          <Group justify="space-between">
            {/* Only its creator deletes a deal (the server's rule); an assignee moves it to lost. */}
            {created ? <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => setConfirmDelete(true)}>Delete deal</Button> : <span />}
            <Button type="submit" loading={busy} disabled={edited.length === 0}>Save</Button>
          </Group>
        </Stack>
      </form>
      <Divider />
      <Activities relatedTo={{ className: 'Deal', objectId: deal.objectId! }} />

      {askLost && (
        <LostReasonModal dealIds={[deal.objectId!]} onClose={() => {
          setAskLost(false);
          releaseUndo.current?.();
          // The reason is saved on its own: the form starts again from the deal, not "changed elsewhere".
          onSaved(toForm(workspace.pipeline.get(deal.objectId!)), form);
        }} />
      )}
      {guard.dialog}
      <Modal opened={confirmOverwrite} onClose={() => setConfirmOverwrite(false)} title="Overwrite the other change?" centered>
        <Text size="sm">The {clash.map((f) => LABELS[f]).join(', ')} changed elsewhere after you opened this deal. Saving replaces that change with yours.</Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => { setConfirmOverwrite(false); takeTheirs(); }}>Keep theirs</Button>
          <Button color="orange" onClick={() => void save(true)}>Overwrite</Button>
        </Group>
      </Modal>
      <Modal opened={confirmDelete} onClose={() => setConfirmDelete(false)} title="Delete this deal?" centered>
        <Text size="sm">“{deal.title}” will be deleted. You can undo this for a few seconds.</Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setConfirmDelete(false)}>Cancel</Button>
          <Button color="red" onClick={() => {
            setConfirmDelete(false);
            deleteDeal(workspace, deal).then(() => {
              guard.drop();
              onDeleted();
            }, (err) => setError(describeError(err)));
          }}>Delete</Button>
        </Group>
      </Modal>
    </Stack>
  );
}
