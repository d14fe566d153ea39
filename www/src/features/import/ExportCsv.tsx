// CSV export of a list as it is shown (its current filter and order): a button that writes the
// rows with papaparse and hands the file to the browser.
import { useState } from 'react';
import Papa from 'papaparse';
import { Button } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | number | undefined | null;
}

/** A cell a spreadsheet would run as a formula (=, @, or + and - not followed by a number
 * like a phone) is written with a leading quote (papaparse's escapeFormulae). */
const FORMULA = /^(?:[=@\t\r]|[+-](?![\d\s().-]*$))/;

export function toCsv<T>(rows: T[], columns: CsvColumn<T>[]): string {
  return Papa.unparse(
    { fields: columns.map((c) => c.header), data: rows.map((r) => columns.map((c) => c.value(r) ?? '')) },
    { escapeFormulae: FORMULA, newline: '\r\n' },
  );
}

export function downloadCsv(filename: string, text: string) {
  // A BOM so spreadsheet programs read the accents as UTF-8.
  const url = URL.createObjectURL(new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `rows` may be read at the click (names looked up then): the button is busy meanwhile, and a
 * failure is reported through `onError`. */
export function ExportCsv<T>({ name, rows, columns, empty = false, onError }: {
  name: string;
  rows: () => T[] | Promise<T[]>;
  columns: CsvColumn<T>[];
  empty?: boolean;
  onError?: (e: unknown) => void;
}) {
  const [busy, setBusy] = useState(false);
  const exportNow = async () => {
    setBusy(true);
    try {
      downloadCsv(`${name}-${new Date().toISOString().slice(0, 10)}.csv`, toCsv(await rows(), columns));
    } catch (e) {
      onError?.(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      variant="default"
      disabled={empty}
      loading={busy}
      leftSection={<IconDownload size={16} />}
      onClick={() => void exportNow()}
    >
      Export CSV
    </Button>
  );
}
