import { useState } from 'react';
import { NumberInput, type NumberInputProps } from '@mantine/core';
import { AMOUNT_SHORTHAND, moneyPrefix } from '../lib/format';


/** The amount in text a salesperson pastes or an autofill puts in at once: "25k", "1.5m",
 * "$12,500", "12 500"; null for anything else. */
export function readAmount(text: string): number | null {
  const m = text.replace(/[\s,]/g, '').replace(/^[^\d.]+/, '').match(/^(\d+(?:\.\d+)?|\.\d+)([km])?$/i);
  if (!m) return null;
  const n = Number(m[1]) * (m[2] ? AMOUNT_SHORTHAND[m[2].toLowerCase()] : 1);
  return Number.isFinite(n) ? Math.round(n * 100) / 100 : null;
}

/** Why the field did not take `text` (a key typed, or text pasted), or undefined when it does. */
export function refusal(text: string): string | undefined {
  if (/^\s*-/.test(text) || text === '-') return 'An amount cannot be negative: the “-” was left out.';
  // The currency's symbol and a shorthand's letter at the end are taken (or harmless).
  const other = text.replace(/[\s,.\d]/g, '').replace(/^\p{Sc}+/u, '').replace(/[km]$/i, '');
  const bad = [...other][0];
  return bad === undefined ? undefined : `“${bad}” is not a digit and was left out: type the whole number (100000), or 25k, 1.5m.`;
}

/** A deal amount in the user's currency: digits with thousands separators, no negative, and the
 * shorthand salespeople type, "25k" or "1.5m" (a letter the field cannot take was dropped
 * silently before: "25k" became 25), typed key by key, pasted or put in at once. Any other key
 * (a "-", the "e" of 1e5) is still left out, and the field says why: "1e5" became $15 and
 * "-500" $500 without a word. */
export function AmountInput({ value, onChange, ...props }: Omit<NumberInputProps, 'value' | 'onChange'> & {
  value: string | number;
  onChange: (value: string | number) => void;
}) {
  /** Why the field left out what was typed or pasted last, while that text stands. */
  const [refused, setRefused] = useState<string>();
  /** Text that arrives whole (a paste, an autofill): read here when it has a shorthand letter,
   * which the field itself would drop. */
  const whole = (text: string | null | undefined, e: { preventDefault: () => void }) => {
    setRefused(text ? refusal(text) : undefined);
    if (!text || !/[km]\s*$/i.test(text)) return;
    const n = readAmount(text);
    if (n === null) return;
    e.preventDefault();
    onChange(n);
  };
  return (
    <NumberInput
      prefix={moneyPrefix()}
      thousandSeparator=","
      // Mantine takes "," as a decimal point too: "25,000" typed key by key saved $25.
      allowedDecimalSeparators={['.']}
      // Amounts are in cents at most (1234.567 was kept, and shown as $1,234.57).
      decimalScale={2}
      // An amount with cents shows both digits: "$1,200.5" read as a typo.
      fixedDecimalScale={!Number.isInteger(Number(value))}
      min={0}
      // A minus showed "-$500" and then saved $0 without a word: amounts are never negative.
      allowNegative={false}
      hideControls
      placeholder="25,000 or 25k"
      {...props}
      error={props.error ?? refused}
      value={value}
      onChange={(v) => {
        if (v === '') setRefused(undefined);
        onChange(v);
      }}
      onPaste={(e) => {
        whole(e.clipboardData.getData('text'), e);
        props.onPaste?.(e);
      }}
      onBeforeInput={(e) => {
        const data = (e.nativeEvent as InputEvent).data;
        if (data && data.length > 1) whole(data, e);
        props.onBeforeInput?.(e);
      }}
      onKeyDown={(e) => {
        const times = AMOUNT_SHORTHAND[e.key.toLowerCase()];
        // One character typed (not a shortcut) that the field leaves out is said, until the text
        // it was left out of is edited: a correction (Backspace, Delete), typed over whole, or
        // emptied (onChange).
        const el = e.currentTarget;
        const typing = e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey;
        const anew = el.value !== '' && el.selectionStart === 0 && el.selectionEnd === el.value.length;
        if (e.key === 'Backspace' || e.key === 'Delete' || (typing && anew)) setRefused(undefined);
        if (typing) setRefused((before) => refusal(e.key) ?? before);
        if (times && !e.ctrlKey && !e.metaKey && !e.altKey) {
          e.preventDefault();
          // What the field shows now, not the value last rendered: typed fast ("2.5k" right after
          // clearing "$1,234.56"), the render had not caught up and the k multiplied the old
          // amount ($1,234,560).
          const shown = el.value.replace(/[^\d.]/g, '');
          const n = Number(shown);
          if (shown !== '' && Number.isFinite(n)) onChange(Math.round(n * times * 100) / 100);
        }
        props.onKeyDown?.(e);
      }}
    />
  );
}
