import { useMemo, useRef, useState } from 'react';
import { DateInput, type DateInputProps } from '@mantine/dates';
import { DATE_INPUT_FORMAT, locale } from '../lib/format';
import { dateParser, FIRST_YEAR, LAST_YEAR } from '../lib/dates';

type DayInputProps = Omit<DateInputProps, 'value' | 'onChange' | 'valueFormat' | 'dateParser'> & {
  /** The day, "YYYY-MM-DD", or null for none. */
  value: string | null;
  onChange: (day: string | null) => void;
};

/** A calendar day field: picked from a calendar or typed. Typed text is read strictly (see
 * lib/dates): text that is no date leaves the day as it was when the field was entered, and
 * says so, rather than becoming another date. Escape with the calendar open closes the calendar
 * only, not the drawer or dialog around the field; Enter then does not submit its form. */
export function DayInput({ value, onChange, error, onFocus, onBlur, onKeyDown, popoverProps, ...props }: DayInputProps) {
  const parse = useMemo(() => dateParser(locale), []);
  const [open, setOpen] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);
  const atFocus = useRef<string | null>(value);
  return (
    <DateInput
      {...props}
      value={value}
      onChange={(day) => {
        setRefused(null);
        onChange(day);
      }}
      valueFormat={DATE_INPUT_FORMAT}
      dateParser={parse}
      // Today marked in the calendar: a due date or a close date is picked from it.
      highlightToday
      minDate={`${FIRST_YEAR}-01-01`}
      maxDate={`${LAST_YEAR}-12-31`}
      error={refused ?? error}
      onFocus={(e) => {
        atFocus.current = value;
        onFocus?.(e);
      }}
      onBlur={(e) => {
        const text = e.currentTarget.value.trim();
        if (text !== '' && parse(text) === null) {
          setRefused(`“${text}” is not a date between ${FIRST_YEAR} and ${LAST_YEAR}: the date was left as it was`);
          if (value !== atFocus.current) onChange(atFocus.current);
        }
        onBlur?.(e);
      }}
      onKeyDown={(e) => {
        // Enter with the calendar open confirms the typed date; it does not submit the form
        // around the field (a new deal was created with only a title and that date).
        if (e.key === 'Enter' && open) e.preventDefault();
        onKeyDown?.(e);
      }}
      popoverProps={{
        ...popoverProps,
        onOpen: () => {
          setOpen(true);
          popoverProps?.onOpen?.();
        },
        onClose: () => {
          setOpen(false);
          popoverProps?.onClose?.();
        },
      }}
      // Mantine's modals and drawers leave Escape to an element marked so.
      data-mantine-stop-propagation={open ? 'true' : undefined}
    />
  );
}
