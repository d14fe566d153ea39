// The deals as a list (the board's other view, same filters): select rows, then assign an owner,
// change the stage or delete them together, each with one Undo. By stage, or sorted by a column
// (its header; the order is kept in the URL); the count, total and forecast of every deal the
// filters leave. Only the rows in view are drawn (hundreds of rows took seconds in dev mode).
import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { Anchor, Badge, Group, Paper, Table, Text, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconSelector } from '@tabler/icons-react';
import type { Deal, Sort, SortKey } from 'crm-wasm';
import { bulkDelete, bulkUpdateDeals, closingChanges } from '../../data/actions';
import { useNextActivities } from '../../data/activities';
import { useSession } from '../../data/context';
import { useMyTeam } from '../../data/team';
import { formatDate, formatAmount, formatMoney, isOverdue, plural, refName } from '../../lib/format';
import { isOpen, stageInfo } from '../../lib/stages';
import { useFrameVirtualizer } from '../../lib/virtual';
import { NextStep } from '../activities/NextStep';
import { LostReasonModal } from '../deal/LostReason';
import { dealsAsShown } from './filters';
import { BulkBar, SelectAll, SelectRow } from '../bulk/BulkBar';
import { useSelection } from '../bulk/selection';

/** More rows than this are not drawn: the filters narrow the list. */
const SHOWN = 500;

export function DealList({ version, sort, onSort }: { version: number; sort: Sort | null; onSort: (sort: Sort | null) => void }) {
  const { user, workspace } = useSession();
  const { pipeline } = workspace;
  const location = useLocation();
  const team = useMyTeam();
  const next = useNextActivities();
  const deals = useMemo(() => dealsAsShown(pipeline, sort, true, SHOWN),
    // version: read again on every change of the pipeline.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [pipeline, version, sort]);
  // The open deals' sums, as the board's open columns and the dashboard count them (won and lost
  // deals are no pipeline).
  const sums = useMemo(() => pipeline.columns().reduce(
    (s, c) => (isOpen(c.stage)
      ? { count: s.count + c.count, open: s.open + c.total, weighted: s.weighted + c.weighted }
      : { ...s, count: s.count + c.count }),
    { count: 0, open: 0, weighted: 0 },
  ),
    // eslint-disable-next-line react-hooks/exhaustive-deps
  [pipeline, version]);
  const total = sums.count;
  const header = (label: string, key: SortKey, firstDescending: boolean, props: { ta?: 'right'; className?: string } = {}) => (
    <SortHeader label={label} sortKey={key} firstDescending={firstDescending} sort={sort} onSort={onSort} {...props} />
  );
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useFrameVirtualizer<HTMLDivElement, Element>({
    count: deals.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 45,
    overscan: 6,
  });
  const rows = virtualizer.getVirtualItems();
  const above = rows.length > 0 ? rows[0].start : 0;
  const below = rows.length > 0 ? virtualizer.getTotalSize() - rows[rows.length - 1].end : 0;
  const selection = useSelection(useMemo(() => deals.map((d) => d.objectId!), [deals]));
  // Deals just moved to Lost together: asked for one reason.
  const [askLost, setAskLost] = useState<{ ids: string[]; startUndoClock?: () => void }>();
  // The move's Undo waits while the reason is asked (it takes the reason back too).
  const closeLost = useCallback(() => {
    askLost?.startUndoClock?.();
    setAskLost(undefined);
  }, [askLost]);
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
        onStage={async (stage) => {
          // An open deal closed by the move gets today as its close date (closingChanges); one
          // closed already, or in that stage, keeps its own.
          const change = (deal: Deal) => ({ ...closingChanges(deal.stage, stage), stage });
          const moving = chosen().filter((d) => d.stage !== stage);
          const result = await bulkUpdateDeals(workspace, chosen(), change, `moved to ${stageInfo(stage).label}`, { holdUndo: stage === 'lost' });
          // As a single move to Lost does: why were they lost (one reason for all, skippable).
          const lost = moving.flatMap((d) => (pipeline.get(d.objectId!)?.stage === 'lost' ? [d.objectId!] : []));
          if (stage === 'lost' && lost.length > 0) setAskLost({ ids: lost, startUndoClock: result.startUndoClock });
          else result.startUndoClock?.();
          return result;
        }}
      />
      {askLost && <LostReasonModal dealIds={askLost.ids} onClose={closeLost} />}
      <Group justify="space-between" gap="xs" mb={6} data-testid="list-sums">
        <Text size="sm" c="dimmed">{plural(total, 'deal', 'deals')}</Text>
        <Text size="sm">
          <Text span fw={600}>{formatAmount(sums.open)}</Text> open pipeline · <Text span fw={600}>{formatMoney(sums.weighted)}</Text> weighted forecast
        </Text>
      </Group>
      <Paper withBorder className="table-wrap deal-list-rows" ref={scroller}>
        <Table highlightOnHover stickyHeader verticalSpacing="xs" aria-label="Deals">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40}><SelectAll selection={selection} label="Select every deal shown" /></Table.Th>
              {header('Title', 'title', false)}
              <Table.Th className="hide-phone">Company</Table.Th>
              <Table.Th aria-sort={sort ? undefined : 'ascending'} className="hide-phone">
                <SortButton label="Stage" state={sort ? undefined : 'ascending'} onClick={() => onSort(null)} />
              </Table.Th>
              {header('Amount', 'amount', true, { ta: 'right' })}
              <Table.Th className="hide-phone">Owner</Table.Th>
              {header('Closes', 'expectedCloseDate', false, { className: 'hide-phone' })}
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
                  <Table.Td>
                    <Anchor component={Link} to={{ pathname: `/deals/${d.objectId}`, search: location.search }} fw={500} className="long-text" lineClamp={3} title={d.title}>{d.title}</Anchor>
                    {/* On a phone the stage goes under the title: a column of its own left the amounts cut off. */}
                    <Badge variant="light" color={info.color} miw="max-content" size="sm" mt={4} className="phone-only">{info.label}</Badge>
                  </Table.Td>
                  <Table.Td className="hide-phone" maw={200} data-testid="deal-company">
                    {d.company?.objectId ? <Anchor component={Link} to={`/companies/${d.company.objectId}`} c="dimmed" size="sm" lineClamp={1} className="long-text" title={refName(d.company)}>{refName(d.company) ?? 'Company'}</Anchor> : null}
                  </Table.Td>
                  <Table.Td className="hide-phone"><Badge variant="light" color={info.color} data-testid="deal-stage" miw="max-content">{info.label}</Badge></Table.Td>
                  <Table.Td ta="right">{formatAmount(d.amount)}</Table.Td>
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

type SortState = 'ascending' | 'descending' | undefined;

/** A column header that sorts the list by its column: first its natural way (largest amounts
 * first), then the other; the Stage header goes back to the list by stage. */
function SortHeader({ label, sortKey, firstDescending, sort, onSort, ta, className }: {
  label: string;
  sortKey: SortKey;
  firstDescending: boolean;
  sort: Sort | null;
  onSort: (sort: Sort | null) => void;
  ta?: 'right';
  className?: string;
}) {
  const state: SortState = sort?.key === sortKey ? (sort.descending ? 'descending' : 'ascending') : undefined;
  const descending = state ? state === 'ascending' : firstDescending;
  return (
    <Table.Th aria-sort={state} ta={ta} className={className}>
      <SortButton label={label} state={state} right={ta === 'right'} onClick={() => onSort({ key: sortKey, descending })} />
    </Table.Th>
  );
}

function SortButton({ label, state, right, onClick }: { label: string; state: SortState; right?: boolean; onClick: () => void }) {
  const Icon = state === 'ascending' ? IconArrowUp : state === 'descending' ? IconArrowDown : IconSelector;
  const icon: ReactNode = <Icon size={14} stroke={1.8} aria-hidden style={{ opacity: state ? 1 : 0.45 }} />;
  return (
    // A flex box, not inline: an inline one sits on its text's baseline, and with the arrow first
    // (a right-aligned header) that baseline was the icon's, a few pixels off the other headers.
    <UnstyledButton onClick={onClick} fw={700} fz="sm" style={{ display: 'flex', alignItems: 'center', gap: 4, flexDirection: right ? 'row-reverse' : 'row', justifyContent: 'flex-start', width: '100%' }}>
      {label}
      {icon}
    </UnstyledButton>
  );
}
