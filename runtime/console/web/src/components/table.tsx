/**
 * The table markup every page writes alike: the scrolling wrapper, a header row from column
 * specs, and right-aligned number cells (amounts arrive as micros, see money.ts).
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { formatCount } from '../format.ts';
import { formatEuros } from '../money.ts';

/**
 * One header cell; a plain string is a text column. `numeric`: right-aligned like its figures;
 * `srOnly`: a label for screen readers only (an actions column); `decorative`: an empty cell
 * hidden from assistive technology (a bar column).
 */
export type Column = string | { label: string; numeric?: boolean; srOnly?: boolean } | { decorative: true };

/** Right-aligned columns, one per label: `['Feature', ...numeric('Calls', 'Amount')]`. */
export function numeric(...labels: string[]): Column[] {
  return labels.map((label) => ({ label, numeric: true }));
}

export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) => {
          if (typeof c !== 'string' && 'decorative' in c) return <th key={i} scope="col" aria-hidden="true" />;
          const col = typeof c === 'string' ? { label: c } : c;
          return (
            <th key={i} scope="col" class={col.numeric ? 'num' : undefined}>
              {col.srOnly ? <span class="sr-only">{col.label}</span> : col.label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

/**
 * Names every body and footer cell after its column header (`data-label`), counting colspans: on a
 * narrow screen the stylesheet stacks each row as label/value pairs, so no column (an amount, a
 * Revoke button) is cut off. Screen-reader-only and decorative headers give no visible label.
 */
export function labelCells(table: HTMLTableElement): void {
  const heads = [...table.querySelectorAll<HTMLTableCellElement>(':scope > thead > tr:first-child > th')];
  const labels: string[] = [];
  for (const th of heads) {
    const visible = th.querySelector('.sr-only') || th.getAttribute('aria-hidden') === 'true' ? '' : (th.textContent ?? '').trim();
    for (let i = 0; i < th.colSpan; i++) labels.push(visible);
  }
  for (const row of table.querySelectorAll<HTMLTableRowElement>(':scope > tbody > tr, :scope > tfoot > tr')) {
    let col = 0;
    for (const cell of row.cells) {
      const label = cell.colSpan === 1 ? labels[col] : '';
      if (label) cell.setAttribute('data-label', label);
      else cell.removeAttribute('data-label');
      col += cell.colSpan;
    }
  }
}

/** `<div class="table-wrap"><table>`, with an optional caption and the header row; children: tbody, tfoot. */
export function Table({
  columns,
  caption,
  testId,
  class: className,
  children,
}: {
  columns: Column[];
  caption?: ComponentChildren;
  testId?: string;
  class?: string;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLTableElement>(null);
  // Rows may come and go under the table's children's own state: label them whenever they change.
  useLayoutEffect(() => {
    const table = ref.current;
    if (!table) return;
    labelCells(table);
    const watch = new MutationObserver(() => labelCells(table));
    watch.observe(table, { childList: true, subtree: true });
    return () => watch.disconnect();
  }, []);
  return (
    <div class="table-wrap">
      <table ref={ref} class={['stack', className].filter(Boolean).join(' ')} data-testid={testId}>
        {caption ? <caption>{caption}</caption> : null}
        <TableHead columns={columns} />
        {children}
      </table>
    </div>
  );
}

/** An amount in euros; null (nothing to show yet) → "—". */
export function MoneyCell({ micros }: { micros: number | null }) {
  return <td class="num">{micros === null ? '—' : formatEuros(micros)}</td>;
}

export function CountCell({ n }: { n: number }) {
  return <td class="num">{formatCount(n)}</td>;
}
