import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useDroppable } from '@dnd-kit/core';
import { Badge, Group, Text } from '@mantine/core';
import type { ColumnSummary, Pipeline, Stage } from 'crm-wasm';
import { formatAmount, formatMoney, plural } from '../../lib/format';
import { stageInfo } from '../../lib/stages';
import { useFrameVirtualizer } from '../../lib/virtual';
import { Card, type NextOf } from './Card';
import { boardPage } from './filters';

/** One stage: a sticky header with count and totals over its own virtualised, scrolling list. */
export function Column({ column, pipeline, version, me, onMove, dragging, nameOf, nextOf, ownOrder, reveal }: {
  column: ColumnSummary;
  pipeline: Pipeline;
  version: number;
  me?: string;
  onMove: (id: string, to: Stage) => void;
  dragging?: string;
  nameOf?: (id: string | undefined) => string | undefined;
  nextOf?: NextOf;
  /** No sort chosen: the board's own order (Won and Lost the most recent first). */
  ownOrder?: boolean;
  /** A deal just made: scrolled to and marked, if it is in this column. */
  reveal?: string;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: column.stage });
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useFrameVirtualizer<HTMLDivElement, HTMLDivElement>({
    count: column.count,
    getScrollElement: () => scroller.current,
    estimateSize: () => 112,
    // A few cards beyond the visible ones: each costs its drawing when the board opens.
    overscan: 3,
    gap: 8,
    // Room below the last card: scrolled to (a new deal sorts last), it sat half under the toast.
    paddingEnd: 72,
  });
  // A change of the pipeline (a card moved in or out, edited, filtered) puts other deals at the
  // indexes measured before, in the same card elements (keyed by deal): the virtualiser keeps the
  // old sizes (it re-measures an element only when it resizes or mounts), so a moved card leaves
  // its gap behind and a taller one overlaps the next. Measure the cards shown again; also when
  // the owners' names or the next steps arrive (a card gains a line: seen overlapping once).
  useLayoutEffect(() => {
    scroller.current?.querySelectorAll<HTMLElement>('.slot').forEach((el) => {
      virtualizer.resizeItem(Number(el.dataset.index), Math.round(el.getBoundingClientRect().height));
    });
  }, [virtualizer, version, column.count, nameOf, nextOf]);
  // A deal just made may sort far down (no close date sorts last): it was added out of sight,
  // with only a toast to say so. Scroll to it once and mark it for a moment.
  const [fresh, setFresh] = useState<string>();
  const revealed = useRef<string>(undefined);
  // In the next frame, once the column is laid out: a column mounted for the new deal (a phone
  // shows the new deal's stage) had its scroll undone by StrictMode's remount in dev mode, and
  // the deal stayed out of sight. A cleanup before the frame leaves the deal to the next run.
  useEffect(() => {
    if (!reveal || revealed.current === reveal || pipeline.get(reveal)?.stage !== column.stage) return;
    const frame = requestAnimationFrame(() => {
      revealed.current = reveal;
      const read = (offset: number, limit: number) => (ownOrder ? boardPage(pipeline, column.stage, column.count, offset, limit) : pipeline.page(column.stage, offset, limit));
      for (let offset = 0; offset < column.count; offset += 200) {
        const at = read(offset, 200).findIndex((d) => d.objectId === reveal);
        if (at >= 0) {
          virtualizer.scrollToIndex(offset + at, { align: 'center' });
          setFresh(reveal);
          break;
        }
      }
    });
    return () => cancelAnimationFrame(frame);
  }, [reveal, version, pipeline, column.stage, column.count, ownOrder, virtualizer]);
  useEffect(() => {
    if (!fresh) return;
    const timer = setTimeout(() => setFresh(undefined), 2500);
    return () => clearTimeout(timer);
  }, [fresh]);
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.length ? items[items.length - 1]!.index : -1;
  // Only the visible cards cross from wasm (version in the key: re-read on every change).
  const cards = last < first ? [] : ownOrder ? boardPage(pipeline, column.stage, column.count, first, last - first + 1) : pipeline.page(column.stage, first, last - first + 1);
  const info = stageInfo(column.stage);
  const label = info.label;
  return (
    <section ref={setNodeRef} className={`column${isOver ? ' over' : ''}`} aria-label={`Stage ${label}`} data-stage={column.stage} data-version={version}>
      <header className="column-head">
        <Group justify="space-between" gap={4} wrap="nowrap">
          <Group gap={6} wrap="nowrap">
            <span className={`dot dot-${info.color}`} aria-hidden />
            <Text component="h2" fw={650} size="sm">{label}</Text>
          </Group>
          <Badge variant="light" color="gray" size="sm" aria-label={plural(column.count, 'deal', 'deals')}>
            <span data-testid={`count-${column.stage}`}>{column.count}</span>
          </Badge>
        </Group>
        <Text size="xs" c="dimmed">
          {/* With its cents when it has any, as each card shows its amount. */}
          <span data-testid={`total-${column.stage}`}>{formatAmount(column.total)}</span>
          {!info.closed && <> · weighted {formatMoney(column.weighted)}</>}
        </Text>
      </header>
      <div ref={scroller} className="column-body" tabIndex={-1}>
        {column.count === 0 ? (
          <Text size="xs" c="dimmed" ta="center" py="lg">No deals</Text>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const deal = cards[item.index - first];
              if (!deal) return null;
              return (
                <div key={deal.objectId} data-index={item.index} ref={virtualizer.measureElement} className={`slot${deal.objectId === fresh ? ' slot-fresh' : ''}`} style={{ transform: `translateY(${item.start}px)` }}>
                  <Card deal={deal} me={me} onMove={onMove} hidden={dragging === deal.objectId} nameOf={nameOf} nextOf={nextOf} />
                </div>
              );
            })}
          </div>
        )}
      </div>
    </section>
  );
}
