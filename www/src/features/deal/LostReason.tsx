// Asked when a deal moves to Lost from the board (drag or "Move to…"): why it was lost. The
// move is already made; the reason is saved on its own, and can be skipped.
import { useState, type FormEvent } from 'react';
import { Button, Group, Modal, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { updateDeal } from '../../data/actions';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';

export function LostReasonModal({ dealId, onClose }: { dealId: string; onClose: () => void }) {
  const { workspace } = useSession();
  const deal = workspace.pipeline.get(dealId);
  const [reason, setReason] = useState(deal?.lostReason ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return onClose();
    setBusy(true);
    try {
      await updateDeal(workspace, dealId, { lostReason: reason.trim() });
      notifications.show({ color: 'teal', message: 'Lost reason saved.' });
      onClose();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title="Why was it lost?" centered>
      <form onSubmit={submit}>
        <Text size="sm" mb="sm">“{deal?.title ?? 'The deal'}” moved to Lost. A reason helps the team learn from it.</Text>
        <TextInput label="Lost reason" placeholder="e.g. Went with a competitor on price" maxLength={500} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-autofocus />
        {error && <Text c="red" size="sm" role="alert" mt="xs">{error}</Text>}
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={onClose}>Skip</Button>
          <Button type="submit" loading={busy}>Save reason</Button>
        </Group>
      </form>
    </Modal>
  );
}
