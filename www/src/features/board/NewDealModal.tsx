import { useRef, useState, type FormEvent, type RefObject } from 'react';
import { Alert, Anchor, Button, Group, Modal, NativeSelect, Select, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useNavigate } from 'react-router';
import type { CrmClient, Deal, Stage } from 'crm-wasm';
import { createDeal } from '../../data/actions';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { useQuery } from '../../data/hooks';
import { useOwnerOptions } from '../../data/team';
import { dayToIso } from '../../lib/format';
import { MAX_CHARS } from '../../lib/limits';
import { DayInput } from '../../components/DayInput';
import { AmountInput } from '../../components/AmountInput';
import { useDiscardGuard } from '../../components/DiscardGuard';
import { STAGE_OPTIONS, stageInfo } from '../../lib/stages';

export function NewDealModal({ opened, onClose, client, onCreated }: { opened: boolean; onClose: () => void; client: CrmClient; onCreated?: (deal: Deal) => void }) {
  // The form decides whether the dialog may close (what was typed asks first).
  const closingRef = useRef<(() => void) | null>(null);
  return (
    <Modal opened={opened} onClose={() => (closingRef.current ?? onClose)()} title="New deal" centered>
      {opened && <NewDealForm client={client} onDone={onClose} onCreated={onCreated} closingRef={closingRef} />}
    </Modal>
  );
}

function NewDealForm({ client, onDone, onCreated, closingRef }: { client: CrmClient; onDone: () => void; onCreated?: (deal: Deal) => void; closingRef: RefObject<(() => void) | null> }) {
  const { user, workspace } = useSession();
  const [title, setTitle] = useState('');
  const [amount, setAmount] = useState<string | number>('');
  const [stage, setStage] = useState<Stage>('lead');
  const [close, setClose] = useState<string | null>(null);
  const [companyId, setCompanyId] = useState<string | null>(null);
  const [contactId, setContactId] = useState<string | null>(null);
  // A new deal is its creator's unless given to a colleague (the server's default too).
  const [ownerId, setOwnerId] = useState<string>(user.objectId!);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const companies = useQuery(() => client.companies().ascending('name').limit(1000), 'companies', true);
  const contacts = useQuery(() => client.contacts().ascending('name').limit(1000), 'contacts', true);
  // With a company chosen, its people; a contact chosen first brings their company.
  const contactOptions = (contacts.data ?? [])
    .filter((c) => !companyId || c.company?.objectId === companyId || c.objectId === contactId)
    .map((c) => ({ value: c.objectId!, label: c.name }));
  const companyOf = (contact: string | null) => (contacts.data ?? []).find((c) => c.objectId === contact)?.company?.objectId;
  // Another company: a contact who is not at it is let go.
  const chooseCompany = (id: string | null) => {
    setCompanyId(id);
    if (id && contactId && companyOf(contactId) !== id) setContactId(null);
  };
  const chooseContact = (id: string | null) => {
    setContactId(id);
    const company = companyOf(id);
    if (id && company && !companyId) setCompanyId(company);
  };
  const ownerOptions = useOwnerOptions();
  const typed = title.trim() !== '' || amount !== '' || close !== null || companyId !== null || contactId !== null;
  const guard = useDiscardGuard(typed && !busy, onDone, 'the new deal', closingRef);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    const deal: Deal = {
      title,
      stage,
      amount: amount === '' ? undefined : Number(amount),
      expectedCloseDate: close ? dayToIso(close) : undefined,
      company: companyId ? { className: 'Company', objectId: companyId } : undefined,
      contact: contactId ? { className: 'Contact', objectId: contactId } : undefined,
      assignedTo: { className: '_User', objectId: ownerId },
    };
    setBusy(true);
    try {
      const saved = await createDeal(workspace, deal);
      onDone();
      onCreated?.(saved);
      // The card may sort far down its column (no close date sorts last): say where it went.
      const id = notifications.show({
        color: 'teal',
        message: (
          <>
            “{saved.title}” added to {stageInfo(saved.stage ?? stage).label}.{' '}
            <Anchor component="button" type="button" size="sm" onClick={() => { notifications.hide(id); navigate(`/deals/${saved.objectId}`); }}>Open it</Anchor>
          </>
        ),
      });
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-label="New deal">
      <Stack gap="sm">
        <TextInput label="Title" maxLength={MAX_CHARS.name} value={title} onChange={(e) => { setTitle(e.currentTarget.value); setError(undefined); }} data-autofocus />
        <Group grow align="flex-start">
          <AmountInput label="Amount" value={amount} onChange={setAmount} />
          <NativeSelect label="Stage" data={STAGE_OPTIONS} value={stage} onChange={(e) => setStage(e.currentTarget.value as Stage)} />
        </Group>
        <DayInput label="Expected close" clearButtonProps={{ 'aria-label': 'Clear expected close' }} placeholder="Pick or type a date" clearable value={close} onChange={setClose} />
        <Group grow align="flex-start">
          <Select label="Company" placeholder="None" searchable clearable data={(companies.data ?? []).map((c) => ({ value: c.objectId!, label: c.name }))} value={companyId} onChange={chooseCompany} clearButtonProps={{ 'aria-label': 'Clear company' }} />
          <Select label="Contact" placeholder="None" searchable clearable data={contactOptions} value={contactId} onChange={chooseContact} nothingFoundMessage={companyId ? 'No contact at this company' : 'No contact'} clearButtonProps={{ 'aria-label': 'Clear contact' }} />
        </Group>
        <Select label="Owner" searchable allowDeselect={false} data={ownerOptions} value={ownerId} onChange={(v) => v && setOwnerId(v)} />
        {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={guard.request}>Cancel</Button>
          <Button type="submit" loading={busy}>Add deal</Button>
        </Group>
      </Stack>
      {guard.dialog}
    </form>
  );
}
