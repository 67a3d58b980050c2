/**
 * What each fault test did, appended as JSON lines to the file named by FAULTS_LEDGER (set by
 * faults-summary-setup.ts for the whole jest run); faults-summary.ts prints the totals at the end.
 * Without FAULTS_LEDGER (a jest run that skipped the global setup) nothing is recorded.
 */
import fs from 'node:fs';
import { MODE_LABEL } from './fault-mode';

export type LedgerEntry =
  | { type: 'scenario'; name: string; mode: string; changes: number; lost: number; duplicates: number; seconds: number }
  | { type: 'inputs'; name: string; mode: string; tried: number; fiveXx: number }
  | { type: 'fuzz'; name: string; mode: string; cases: number; seconds: number };

type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export function record(entry: Without<LedgerEntry, 'mode'>): void {
  const file = process.env.FAULTS_LEDGER;
  if (!file) return;
  fs.appendFileSync(file, `${JSON.stringify({ ...entry, mode: MODE_LABEL })}\n`);
}

export function readLedger(file: string): LedgerEntry[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerEntry);
}

/** Counts HTTP answers by class, for the hostile-input tests' "5xx answers" figure. */
export class AnswerTally {
  tried = 0;
  fiveXx = 0;

  see(status: number): number {
    this.tried += 1;
    if (status >= 500) this.fiveXx += 1;
    return status;
  }

  flush(name: string): void {
    record({ type: 'inputs', name, tried: this.tried, fiveXx: this.fiveXx });
    this.tried = 0;
    this.fiveXx = 0;
  }
}
