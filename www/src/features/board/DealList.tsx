// The deals as a list (the board's other view, same filters): select rows, then assign an owner,
// change the stage or delete them together, each with one Undo. Only the rows in view are drawn
// (hundreds of rows took seconds to draw in dev mode).
import { useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link, useLocation } from 'react-router';
import { Anchor, Badge, Paper, Table, Text } from '@mantine/core';
import type { Deal } from 'crm-wasm';
import { bulkDelete, bulkUpdateDeals } from '../../data/actions';
import { useNextActivities } from '../../data/activities';
import { useSession } from '../../data/context';
import { useMyTeam } from '../../data/team';
import { formatDate, formatMoney, isOverdue } from '../../lib/format';
import { isOpen, stageInfo } from '../../lib/stages';
import { NextStep } from '../activities/NextStep';
import { BulkBar, SelectAll, SelectRow } from '../bulk/BulkBar';
import { useSelection } from '../bulk/selection';

/** More rows than this are not drawn: the filters narrow the list. */
const SHOWN = 500;

export function DealList({ version }: { version: number }) {
  const { user, workspace } = useSession();
  const { pipeline } = workspace;
  const location = useLocation();
  const team = useMyTeam();
  const next = useNextActivities();
  const deals = useMemo(() => {
    const out: Deal[] = [];
    for (const c of pipeline.columns()) out.push(...pipeline.page(c.stage, 0, Math.min(c.count, SHOWN - out.length)));
    return out;
    // version: read again on every change of the pipeline.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pipeline, version]);
  const total = useMemo(() => pipeline.columns().reduce((n, c) => n + c.count, 0),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [pipeline, version]);
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read fresh each render
  const virtualizer = useVirtualizer({
    count: deals.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 45,
    overscan: 6,
  });
  const rows = virtualizer.getVirtualItems();
  const above = rows.length > 0 ? rows[0].start : 0;
  const below = rows.length > 0 ? virtualizer.getTotalSize() - rows[rows.length - 1].end : 0;
  const selection = useSelection(useMemo(() => deals.map((d) => d.objectId!), [deals]));
  const chosen = () => deals.filter((d) => selection.has(d.objectId!));
  const owner = (d: Deal) => {
    const id = d.assignedTo?.objectId;
    if (!id) return '';
    return id === user.objectId ? 'Me' : team.nameOf(id) ?? 'A colleague';
  };
  return (
    <div className="page deal-list">
      <BulkBar
        selection={selection}
        noun={['deal', 'deals']}
        onDelete={() => bulkDelete(workspace, 'Deal', chosen())}
        onAssign={(id) => bulkUpdateDeals(workspace, chosen(), { assignedTo: id ? { className: '_User', objectId: id } : null }, id ? `assigned to ${id === user.objectId ? 'you' : team.nameOf(id) ?? 'a colleague'}` : 'unassigned')}
        onStage={(stage) => bulkUpdateDeals(workspace, chosen(), { stage }, `moved to ${stageInfo(stage).label}`)}
      />
      <Paper withBorder className="table-wrap deal-list-rows" ref={scroller}>
        <Table highlightOnHover stickyHeader verticalSpacing="xs" aria-label="Deals">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40}><SelectAll selection={selection} label="Select every deal shown" /></Table.Th>
              <Table.Th>Title</Table.Th>
              <Table.Th>Stage</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
              <Table.Th className="hide-phone">Owner</Table.Th>
              <Table.Th className="hide-phone">Closes</Table.Th>
              <Table.Th className="hide-phone">Next step</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {above > 0 && <tr aria-hidden style={{ height: above }} />}
            {rows.map((row) => {
              const d = deals[row.index];
              const info = stageInfo(d.stage);
              const overdue = isOpen(d.stage) && isOverdue(d.expectedCloseDate);
              return (
                <Table.Tr key={d.objectId} data-index={row.index} ref={virtualizer.measureElement} bg={selection.has(d.objectId!) ? 'var(--mantine-color-indigo-light)' : undefined}>
                  <Table.Td><SelectRow selection={selection} id={d.objectId!} name={d.title} /></Table.Td>
                  <Table.Td><Anchor component={Link} to={{ pathname: `/deals/${d.objectId}`, search: location.search }} fw={500}>{d.title}</Anchor></Table.Td>
                  <Table.Td><Badge variant="light" color={info.color} data-testid="deal-stage" miw="max-content">{info.label}</Badge></Table.Td>
                  <Table.Td ta="right">{formatMoney(d.amount)}</Table.Td>
                  <Table.Td className="hide-phone" data-testid="deal-owner">{owner(d)}</Table.Td>
                  <Table.Td className="hide-phone" c={overdue ? 'red.8' : undefined} fw={overdue ? 600 : undefined} data-overdue={overdue || undefined}>{formatDate(d.expectedCloseDate)}</Table.Td>
                  <Table.Td className="hide-phone" maw={220}><NextStep next={next?.('Deal', d.objectId!)} closed={!isOpen(d.stage)} /></Table.Td>
                </Table.Tr>
              );
            })}
            {below > 0 && <tr aria-hidden style={{ height: below }} />}
          </Table.Tbody>
        </Table>
        {deals.length === 0 && <Text c="dimmed" ta="center" py="lg" size="sm">No deals match.</Text>}
        {total > deals.length && <Text c="dimmed" ta="center" py="sm" size="sm">Showing the first {deals.length} of {total} deals: narrow the filters to see the others.</Text>}
      </Paper>
    </div>
  );
}
