import { NumberInput, type NumberInputProps } from '@mantine/core';
import { moneyPrefix } from '../lib/format';

const SHORTHAND: Record<string, number> = { k: 1e3, m: 1e6 };

/** A deal amount in the user's currency: digits with thousands separators, no negative, and the
 * shorthand salespeople type, "25k" or "1.5m" (a letter the field cannot take was dropped
 * silently before: "25k" became 25). */
export function AmountInput({ value, onChange, ...props }: Omit<NumberInputProps, 'value' | 'onChange'> & {
  value: string | number;
  onChange: (value: string | number) => void;
}) {
  return (
    <NumberInput
      prefix={moneyPrefix()}
      thousandSeparator=","
      min={0}
      hideControls
      placeholder="25,000 or 25k"
      {...props}
      value={value}
      onChange={onChange}
      onKeyDown={(e) => {
        const times = SHORTHAND[e.key.toLowerCase()];
        const n = typeof value === 'number' ? value : Number(String(value).replace(/[^\d.]/g, ''));
        if (times && !e.ctrlKey && !e.metaKey && !e.altKey) {
          e.preventDefault();
          if (String(value) !== '' && Number.isFinite(n)) onChange(Math.round(n * times * 100) / 100);
        }
        props.onKeyDown?.(e);
      }}
    />
  );
}
