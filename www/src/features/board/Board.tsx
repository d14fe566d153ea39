// The pipeline board: one column per stage, each scrolling on its own with a sticky header and
// virtualised cards; drag with the mouse, or "Move to…" from a card's menu (keyboard, touch).
// On a phone one stage shows at a time. The board is at /pipeline; /deals/:id opens a deal over it.
import { useCallback, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useLocation, useParams, useSearchParams } from 'react-router';
import { DndContext, DragOverlay, MouseSensor, useSensor, useSensors, type Announcements, type DragEndEvent, type DragStartEvent } from '@dnd-kit/core';
import { Alert, Badge, Button, Chip, Group, NativeSelect, SegmentedControl, Select } from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import { DATE_INPUT_FORMAT } from '../../lib/format';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconFilter, IconPlus } from '@tabler/icons-react';
import type { Deal, Stage } from 'crm-wasm';
import { backFrom, useCloseTo } from '../../lib/back';
import { usePhone } from '../../lib/layout';
import { moveDealUndoable } from '../../data/actions';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { useNextActivities } from '../../data/activities';
import { usePipeline } from '../../data/hooks';
import { useMyTeam, useOwnerOptions } from '../../data/team';
import { STAGE_OPTIONS, stageLabel } from '../../lib/stages';
import { DealDrawer } from '../deal/DealDrawer';
import { LostReasonModal } from '../deal/LostReason';
import { CardView, DRAG_DISTANCE } from './Card';
import { Column } from './Column';
import { DealList } from './DealList';
import { dealsAsShown, sortChoices, useApplyFilters, useApplySort, useBoardFilters, useDealSort } from './filters';
import { NewDealModal } from './NewDealModal';
import { DEAL_COLUMNS, dealsWithContactNames } from '../import/columns';
import { ExportCsv } from '../import/ExportCsv';
import { SearchInput } from '../../components/SearchInput';

export function Board() {
  const { client, user, workspace } = useSession();
  const { pipeline } = workspace;
  const version = usePipeline(pipeline);
  const { filters, setFilter, active, clear } = useBoardFilters();
  useApplyFilters(pipeline, filters, user.objectId);
  const { sort, setSort, sortParam, setSortParam } = useDealSort();
  useApplySort(pipeline, sort);
  const { dealId } = useParams();
  const team = useMyTeam();
  // The export names each deal's owner, as the board's cards do.
  const dealColumns = [...DEAL_COLUMNS, { header: 'Owner', value: (d: Deal) => team.nameOf(d.assignedTo?.objectId) }];
  // The board or the list (?view=list), with the same filters.
  const [params, setParams] = useSearchParams();
  const view = params.get('view') === 'list' ? 'list' : 'board';
  // From the address bar, not the render's copy, as the filters do: a search handed on since
  // the last render (SearchInput waits for the keys to pause) was thrown away or replaced by
  // the one before.
  const setView = (v: string) => setParams(() => {
    const n = new URLSearchParams(window.location.search);
    if (v === 'list') n.set('view', 'list');
    else n.delete('view');
    return n;
  }, { replace: true });
  // Closing a deal opened from another page (a contact, a company, My day) goes back there.
  const back = backFrom(useLocation().state);
  const closeTo = useCloseTo();
  const phone = usePhone();
  const [phoneStage, setPhoneStage] = useState<Stage>('lead');
  // On a phone the filters fold behind one button, so the board starts near the top (they took
  // 300 px); the note under the toolbar still says which are on.
  const [filtersOpen, { toggle: toggleFilters, close: closeFilters }] = useDisclosure(false);
  const showFilters = !phone || filtersOpen;
  const filtersButton = useRef<HTMLButtonElement>(null);
  // Escape folds the open filters away again, as it closes a menu, unless it was closing one of
  // their own lists (a Select's options) or a picker (in a portal, outside the toolbar).
  const foldFiltersOnEscape = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!phone || !filtersOpen || e.key !== 'Escape' || e.defaultPrevented) return;
    const target = e.target as HTMLElement;
    const expanded = target.closest('[aria-expanded="true"]');
    if (!e.currentTarget.contains(target) || (expanded && expanded !== filtersButton.current)) return;
    closeFilters();
    filtersButton.current?.focus();
  };
  const [creating, setCreating] = useState(false);
  // The deal made last here: its column scrolls to it (Column's reveal).
  const [made, setMade] = useState<string>();
  const [dragging, setDragging] = useState<string>();
  const [askLost, setAskLost] = useState<{ id: string; startUndoClock: () => void }>();
  const closeLost = useCallback(() => {
    askLost?.startUndoClock();
    setAskLost(undefined);
  }, [askLost]);
  // The owner filter comes from the URL only; its search text follows it (a cleared filter
  // clears the text, a chosen owner shows their name), and typing changes only the text.
  const ownerOptions = useOwnerOptions();
  const ownerLabel = ownerOptions.find((o) => o.value === filters.owner)?.label ?? '';
  const ownerKey = `${filters.owner}\n${ownerLabel}`;
  const [ownerSearch, setOwnerSearch] = useState(ownerLabel);
  const [ownerShown, setOwnerShown] = useState(ownerKey);
  if (ownerShown !== ownerKey) {
    setOwnerShown(ownerKey);
    setOwnerSearch(ownerLabel);
  }
  // Each deal's next open activity (the earliest due), for its card; none planned is flagged.
  const next = useNextActivities();
  const nextOf = useMemo(() => next && ((id: string) => next('Deal', id)), [next]);
  const sensors = useSensors(useSensor(MouseSensor, { activationConstraint: { distance: DRAG_DISTANCE } }));

  const title = (id: string | number) => pipeline.get(String(id))?.title ?? 'the deal';
  // Screen readers hear titles and stage names, never internal ids.
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${title(active.id)}.`,
    onDragOver: ({ active, over }) => (over ? `${title(active.id)} is over ${stageLabel(String(over.id))}.` : undefined),
    onDragEnd: ({ active, over }) => (over ? `${title(active.id)} moved to ${stageLabel(String(over.id))}.` : `${title(active.id)} was dropped.`),
    onDragCancel: ({ active }) => `Moving ${title(active.id)} was cancelled.`,
  };

  // Stable, so the memoised cards do not re-render for a new function on every board render.
  const move = useCallback(async (id: string, to: Stage) => {
    try {
      // Asked why it was lost: the Undo waits for the answer (its 8 s ran while the reason was typed).
      const startUndoClock = await moveDealUndoable(workspace, id, to, stageLabel, { holdUndo: to === 'lost' });
      if (to === 'lost') setAskLost({ id, startUndoClock });
    } catch (err) {
      notifications.show({ color: 'red', title: 'The deal was not moved', message: describeError(err) });
    }
  }, [workspace]);
  const onDragStart = (e: DragStartEvent) => setDragging(String(e.active.id));
  const onDragEnd = (e: DragEndEvent) => {
    setDragging(undefined);
    if (e.over) void move(String(e.active.id), String(e.over.id) as Stage);
  };

  const columns = pipeline.columns();
  const shown = phone ? columns.filter((c) => c.stage === phoneStage) : columns;
  const dragged = dragging ? pipeline.get(dragging) : undefined;
  const closeRange: [string | null, string | null] = [filters.from || null, filters.before || null];

  return (
    <div className="board-page" data-version={version}>
      <h1 className="sr-only">Pipeline</h1>
      <Group className="toolbar" gap="sm" px="md" py="sm" wrap="wrap" onKeyDown={foldFiltersOnEscape}>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>New deal</Button>
        <SegmentedControl aria-label="View" size="sm" value={view} onChange={setView} data={[{ value: 'board', label: 'Board' }, { value: 'list', label: 'List' }]} />
        {phone && (
          <Button
            variant={filtersOpen ? 'light' : 'default'}
            leftSection={<IconFilter size={16} />}
            rightSection={active.length > 0 ? <Badge size="sm" circle aria-label={`${active.length} on`}>{active.length}</Badge> : null}
            ref={filtersButton}
            onClick={toggleFilters}
            aria-expanded={filtersOpen}
          >
            Filters
          </Button>
        )}
        {showFilters && (
          <>
            <ExportCsv name="deals" rows={() => dealsWithContactNames(workspace, dealsAsShown(pipeline, sort, view === 'list'))} columns={dealColumns} onError={(e) => notifications.show({ color: 'red', title: 'The deals were not exported', message: describeError(e) })} />
            <SearchInput
              aria-label="Search deals"
              placeholder="Search title or company"
              value={filters.q}
              onChange={(q) => setFilter({ q })}
              className="search"
            />
            <Chip checked={filters.overdue} onChange={(v) => setFilter({ overdue: v })} variant="light">Overdue</Chip>
            <Chip checked={filters.mine} onChange={(v) => setFilter({ mine: v })} variant="light">Assigned to me</Chip>
            <Select
              aria-label="Owner"
              placeholder="Any owner"
              clearable
              searchable
              data={ownerOptions}
              value={filters.owner || null}
              searchValue={ownerSearch}
              onSearchChange={setOwnerSearch}
              onChange={(v) => setFilter({ owner: v ?? '' })}
              className="owner-filter"
              w={170}
            />
            <DatePickerInput
              type="range"
              label="Expected close between"
              labelProps={{ className: 'sr-only' }}
              placeholder="Any close date"
              valueFormat={DATE_INPUT_FORMAT}
              clearable
              clearButtonProps={{ 'aria-label': 'Clear close dates' }}
              allowSingleDateInRange
              // Today marked, as in every date field: "closing this week" is picked from it.
              highlightToday
              value={closeRange}
              onChange={([from, before]) => setFilter({ from: from ?? '', before: before ?? '' })}
              className="close-range"
            />
          </>
        )}
        {/* On a phone, with the filters: two rows of toolbar at most. */}
        {showFilters && (
          <NativeSelect
            aria-label={view === 'board' ? 'Order of the cards' : 'Order of the deals'}
            data={sortChoices(sortParam, view === 'list')}
            value={sortParam}
            onChange={(e) => setSortParam(e.currentTarget.value)}
            className="card-order"
          />
        )}
        {phone && view === 'board' && (
          // Each stage with how many deals the filters leave in it: a search that matched deals in
          // another stage looked like no match at all.
          <NativeSelect
            aria-label="Stage shown"
            data={STAGE_OPTIONS.map((o) => ({ ...o, label: `${o.label} (${columns.find((c) => c.stage === o.value)?.count ?? 0})` }))}
            value={phoneStage}
            onChange={(e) => setPhoneStage(e.currentTarget.value as Stage)}
            className="phone-stage"
          />
        )}
      </Group>
      {active.length > 0 && (
        <Alert variant="light" color="indigo" py={6} mx="md" mb="xs" data-testid="filter-note" style={{ flex: 'none' }}>
          <Group justify="space-between" gap="xs">
            <span>Showing deals {active.join(' · ')}.</span>
            <Button size="compact-xs" variant="subtle" onClick={clear}>Clear filters</Button>
          </Group>
        </Alert>
      )}
      {view === 'list' ? <DealList version={version} sort={sort} onSort={setSort} /> : (
      <DndContext sensors={sensors} onDragStart={onDragStart} onDragEnd={onDragEnd} onDragCancel={() => setDragging(undefined)} accessibility={{ announcements, screenReaderInstructions: { draggable: 'Use the Move to menu to move this deal to another stage.' } }}>
        <div className={`board${phone ? ' board-phone' : ''}`}>
          {shown.map((column) => (
            <Column key={column.stage} column={column} pipeline={pipeline} version={version} me={user.objectId} onMove={move} dragging={dragging} nameOf={team.nameOf} nextOf={nextOf} ownOrder={!sort} reveal={made} />
          ))}
        </div>
        <DragOverlay dropAnimation={null}>
          {dragged ? <CardView deal={dragged} me={user.objectId} nameOf={team.nameOf} next={nextOf?.(dragged.objectId!)} overlay /> : null}
        </DragOverlay>
      </DndContext>
      )}
      <NewDealModal opened={creating} onClose={() => setCreating(false)} client={client} onCreated={(deal) => {
        setMade(deal.objectId);
        // On a phone one stage shows: the new deal's.
        if (deal.stage) setPhoneStage(deal.stage as Stage);
      }} />
      {askLost && <LostReasonModal dealIds={[askLost.id]} onClose={closeLost} />}
      {dealId && <DealDrawer key={dealId} dealId={dealId} onClose={() => closeTo(back ?? `/pipeline${window.location.search}`)} />}
    </div>
  );
}

