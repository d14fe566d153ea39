// Asked when a deal moves to Lost from the board (drag or "Move to…"), or deals from the list's
// "Change stage": why it was lost. The move is already made; the reason is saved on its own (on
// each deal still lost), and can be skipped.
import { useEffect, useState, type FormEvent } from 'react';
import { Button, Group, Modal, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { bulkUpdateDeals, updateDeal } from '../../data/actions';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { usePipeline } from '../../data/hooks';
import { plural } from '../../lib/format';
import { MAX_CHARS } from '../../lib/limits';

export function LostReasonModal({ dealIds, onClose }: { dealIds: string[]; onClose: () => void }) {
  const { workspace } = useSession();
  usePipeline(workspace.pipeline); // the deals as they are now: an Undo moves them back
  const deals = dealIds.flatMap((id) => workspace.pipeline.get(id) ?? []);
  const lost = deals.filter((d) => d.stage === 'lost');
  const undone = deals.length > 0 && lost.length === 0;
  const one = dealIds.length === 1;
  const [reason, setReason] = useState(one ? deals[0]?.lostReason ?? '' : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // Undone (or moved on elsewhere) while asked: no reason to give. Saving one then put a lost
  // reason on an open deal.
  useEffect(() => {
    if (undone && !busy) onClose();
  }, [undone, busy, onClose]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // Only the deals still lost now: one moved back meanwhile gets no reason.
    const now = dealIds.flatMap((id) => workspace.pipeline.get(id) ?? []).filter((d) => d.stage === 'lost');
    if (!reason.trim() || now.length === 0) return onClose();
    setBusy(true);
    try {
      if (one) {
        await updateDeal(workspace, now[0]!.objectId!, { lostReason: reason.trim() });
        notifications.show({ color: 'teal', message: 'Lost reason saved.' });
      } else {
        // One reason for a bulk move to Lost. The move's Undo takes it back too: one action,
        // one Undo (two toasts were confusing, and undoing the move alone left the reason).
        const r = await bulkUpdateDeals(workspace, now, { lostReason: reason.trim() }, 'given the lost reason', { withUndo: false });
        if (r.failed > 0) throw new Error(`${plural(r.failed, 'deal', 'deals')} kept no reason: ${r.error}`);
        if (r.done > 0) notifications.show({ color: 'teal', message: `Lost reason saved on ${plural(r.done, 'deal', 'deals')}.` });
      }
      onClose();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={one ? 'Why was it lost?' : 'Why were they lost?'} centered>
      <form onSubmit={submit}>
        <Text size="sm" mb="sm">
          {one ? `“${deals[0]?.title ?? 'The deal'}” moved to Lost.` : `${plural(lost.length || dealIds.length, 'deal', 'deals')} moved to Lost; the reason is saved on each.`}
          {' '}A reason helps the team learn from it.
        </Text>
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
