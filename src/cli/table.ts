import type { CliContext } from './command-registry';

/** One list as a command prints it: column titles, one row of cells per item, and what to say when there are none. */
export interface ListOutput {
  header: readonly string[];
  rows: ReadonlyArray<readonly string[]>;
  /** The whole answer when there are no rows, e.g. "no tokens". */
  empty: string;
}

/**
 * Prints a list on stdout: a header row then the rows, in aligned columns; or the `empty` line
 * alone. Both go to stdout because both are the answer to "what is there?", so a redirect or a
 * pager shows the empty case too (stderr stays for hints to the human).
 */
export function printList(ctx: CliContext, list: ListOutput): void {
  if (list.rows.length === 0) {
    ctx.out(list.empty);
    return;
  }
  for (const line of formatTable(list.header, list.rows)) ctx.out(line);
}

/**
 * Every CLI table is laid out here: each column as wide as its widest cell, two spaces between
 * columns, and no padding after the last one (trailing blanks only get in the way of pipes).
 */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const lines = [header, ...rows].map((row) => row.map(oneLine));
  const widths = header.map((_, column) => Math.max(...lines.map((row) => (row[column] ?? '').length)));
  return lines.map((row) =>
    widths
      .map((width, column) => (row[column] ?? '').padEnd(width))
      .join('  ')
      .trimEnd(),
  );
}

/** 2024-05-01T12:00:00.000Z -> 2024-05-01 12:00:00Z: readable, still unambiguous (UTC), and one cell wide. */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A line break inside a cell (a multi-line failure reason) would tear the columns apart. */
function oneLine(cell: string): string {
  return cell.replace(/\s*[\r\n]+\s*/g, ' ');
}
