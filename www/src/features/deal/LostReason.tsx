// Asked when a deal moves to Lost from the board (drag or "Move to…"): why it was lost. The
// move is already made; the reason is saved on its own, and can be skipped.
import { useEffect, useState, type FormEvent } from 'react';
import { Button, Group, Modal, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { updateDeal } from '../../data/actions';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { usePipeline } from '../../data/hooks';
import { MAX_CHARS } from '../../lib/limits';

export function LostReasonModal({ dealId, onClose }: { dealId: string; onClose: () => void }) {
  const { workspace } = useSession();
  usePipeline(workspace.pipeline); // the deal as it is now: an Undo moves it back
  const deal = workspace.pipeline.get(dealId);
  const undone = deal !== undefined && deal.stage !== 'lost';
  const [reason, setReason] = useState(deal?.lostReason ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // Undone (or moved on elsewhere) while asked: no reason to give. Saving one then put a lost
  // reason on an open deal.
  useEffect(() => {
    if (undone && !busy) onClose();
  }, [undone, busy, onClose]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const now = workspace.pipeline.get(dealId);
    if (!reason.trim() || (now && now.stage !== 'lost')) return onClose();
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
        <TextInput label="Lost reason" placeholder="e.g. Went with a competitor on price" maxLength={MAX_CHARS.lostReason} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-autofocus />
        {error && <Text c="red" size="sm" role="alert" mt="xs">{error}</Text>}
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={onClose}>Skip</Button>
          <Button type="submit" loading={busy}>Save reason</Button>
        </Group>
      </form>
    </Modal>
  );
}
