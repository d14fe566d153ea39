import { memo, useRef } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useDraggable } from '@dnd-kit/core';
import { ActionIcon, Avatar, Group, Menu, Text, Tooltip } from '@mantine/core';
import { IconArrowsExchange, IconBuilding, IconCalendar, IconUser } from '@tabler/icons-react';
import type { Activity, Deal, Stage } from 'crm-wasm';
import { fitMoney, formatDate, formatAmount, initials, isOverdue, refName } from '../../lib/format';
import { STAGES, isOpen, stageLabel } from '../../lib/stages';
import { NextStep } from '../activities/NextStep';

/** A deal's card on the board: drag it with the mouse; a click anywhere on it, or the title link
 * (Enter too), opens it; "Move to…" moves it from the keyboard or on a touch screen. */
type NameOf = (id: string | undefined) => string | undefined;
/** A deal's next open activity: null when none is planned, undefined while unknown. */
export type NextOf = (dealId: string) => Activity | null | undefined;

type CardProps = { deal: Deal; me?: string; onMove: (id: string, to: Stage) => void; hidden?: boolean; nameOf?: NameOf; nextOf?: NextOf };

/** How far the mouse moves before a press becomes a drag (the board's sensor). */
export const DRAG_DISTANCE = 5;

/** Scrolling re-reads the visible deals from wasm as new objects: a card re-renders only when
 * its deal's content (or another prop) changed, not on every scroll frame. */
export const Card = memo(CardItem, (a, b) =>
  a.me === b.me && a.onMove === b.onMove && a.hidden === b.hidden && a.nameOf === b.nameOf && a.nextOf === b.nextOf
  && (a.deal === b.deal || JSON.stringify(a.deal) === JSON.stringify(b.deal)));

function CardItem({ deal, me, onMove, hidden, nameOf, nextOf }: CardProps) {
  const id = deal.objectId!;
  // Mouse only (see the board's sensors): no attributes, so the card is no button around links.
  const { listeners, setNodeRef } = useDraggable({ id });
  const navigate = useNavigate();
  const location = useLocation();
  const pressedAt = useRef<{ x: number; y: number } | null>(null);
  // A click on the card's body opens the deal, as the title does. Not a click that ended a drag
  // (the pointer moved past the drag's threshold), nor one on the title, the menu or the menu's
  // items (rendered in a portal, their clicks still bubble here through React).
  const onClick = (e: React.MouseEvent<HTMLElement>) => {
    const from = pressedAt.current;
    pressedAt.current = null;
    const target = e.target as Element;
    if (!e.currentTarget.contains(target) || target.closest('a, button, [role="menuitem"]')) return;
    if (from && Math.hypot(e.clientX - from.x, e.clientY - from.y) >= DRAG_DISTANCE) return;
    if (window.getSelection()?.toString()) return;
    navigate({ pathname: `/deals/${id}`, search: location.search });
  };
  const onMouseDown = (e: React.MouseEvent<HTMLElement>) => {
    pressedAt.current = { x: e.clientX, y: e.clientY };
    listeners?.onMouseDown?.(e);
  };
  return (
    <article ref={setNodeRef} {...listeners} onMouseDown={onMouseDown} onClick={onClick} className={`card${hidden ? ' card-dragging' : ''}`} aria-label={`Deal ${deal.title}`} data-deal-id={id}>
      <CardBody deal={deal} me={me} nameOf={nameOf} next={nextOf?.(id)} menu={<MoveMenu deal={deal} onMove={onMove} />} />
    </article>
  );
}

/** The card as the drag overlay shows it. */
export function CardView({ deal, me, overlay, nameOf, next }: { deal: Deal; me?: string; overlay?: boolean; nameOf?: NameOf; next?: Activity | null }) {
  return (
    <div className={`card${overlay ? ' card-overlay' : ''}`} aria-hidden>
      <CardBody deal={deal} me={me} nameOf={nameOf} next={next} />
    </div>
  );
}

function CardBody({ deal, me, menu, nameOf, next }: { deal: Deal; me?: string; menu?: React.ReactNode; nameOf?: NameOf; next?: Activity | null }) {
  const location = useLocation();
  const company = refName(deal.company);
  const overdue = isOverdue(deal.expectedCloseDate) && !['won', 'lost'].includes(deal.stage ?? '');
  const ownerId = deal.assignedTo?.objectId;
  const owner = ownerId ? (ownerId === me ? 'You' : 'A colleague') : undefined;
  const ownerName = nameOf?.(ownerId);
  // "$999,999,999,999" ran into the owner's avatar: a long amount is compact, exact in its title.
  const amount = formatAmount(deal.amount);
  const shownAmount = fitMoney(deal.amount, amount);
  return (
    <>
      <Group justify="space-between" gap={4} wrap="nowrap" align="flex-start">
        <Link to={{ pathname: `/deals/${deal.objectId}`, search: location.search }} className="card-title" title={deal.title}>
          {deal.title}
        </Link>
        {menu}
      </Group>
      {company && (
        <Group gap={4} wrap="nowrap" className="card-company">
          <IconBuilding size={13} aria-hidden />
          <Text size="xs" truncate className="company" title={company}>{company}</Text>
        </Group>
      )}
      {deal.expectedCloseDate && (
        <Text size="xs" c={overdue ? 'red.8' : 'dimmed'} fw={overdue ? 600 : undefined} mt={4} className="card-date" data-overdue={overdue || undefined}>
          <IconCalendar size={12} aria-hidden style={{ verticalAlign: -1 }} /> {overdue ? 'Overdue · ' : isOpen(deal.stage) ? 'Closes ' : 'Closed '}{formatDate(deal.expectedCloseDate)}
        </Text>
      )}
      <NextStep next={next} closed={!isOpen(deal.stage)} className="card-next" />
      <Group justify="space-between" gap={4} mt={4} wrap="nowrap">
        <Text size="sm" fw={650} className="long-text" title={shownAmount !== amount ? amount : undefined}>{shownAmount}</Text>
        {owner && (
          <Tooltip label={owner === 'You' ? 'Assigned to you' : `Assigned to ${ownerName ?? 'a colleague'}`}>
            {owner === 'You' ? (
              <Avatar size={22} radius="xl" color="indigo" role="img" aria-label="Me (assigned to you)">Me</Avatar>
            ) : ownerName ? (
              <Avatar size={22} radius="xl" color="grape" role="img" aria-label={`Assigned to ${ownerName}`}>{initials(ownerName)}</Avatar>
            ) : (
              <Avatar size={22} radius="xl" color="gray" role="img" aria-label="Assigned to a colleague"><IconUser size={13} aria-hidden /></Avatar>
            )}
          </Tooltip>
        )}
      </Group>
    </>
  );
}

/** After a move the card is drawn again in its new column (its menu button is a new element):
 * the focus goes to that button, so a keyboard user keeps their place. Tried for a few frames
 * while the board catches up; a card not drawn (a column scrolled away) leaves it be. */
function refocus(id: string, stage: string) {
  let frames = 10;
  const attempt = () => {
    const button = document.querySelector<HTMLElement>(`[aria-label="Stage ${CSS.escape(stage)}"] article[data-deal-id="${CSS.escape(id)}"] [data-move-button]`);
    if (button && document.activeElement !== button) button.focus();
    else if (!button && --frames > 0) requestAnimationFrame(attempt);
  };
  requestAnimationFrame(attempt);
}

function MoveMenu({ deal, onMove }: { deal: Deal; onMove: (id: string, to: Stage) => void }) {
  return (
    <Menu position="bottom-end" withinPortal shadow="md">
      <Menu.Target>
        <ActionIcon variant="subtle" color="gray" size="sm" aria-label={`Move ${deal.title} to…`} onMouseDown={(e) => e.stopPropagation()} data-move-button>
          <IconArrowsExchange size={15} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Move to…</Menu.Label>
        {STAGES.filter((s) => s.id !== deal.stage).map((s) => (
          <Menu.Item key={s.id} onClick={() => { onMove(deal.objectId!, s.id); refocus(deal.objectId!, stageLabel(s.id)); }}>{stageLabel(s.id)}</Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
