/**
 * jest globalTeardown: prints the fault suite's figures after jest's own summary, when any fault
 * test ran (docs/reliability.md, "Latest figures", quotes this block), then removes the ledger.
 */
import fs from 'node:fs';
import { LedgerEntry, readLedger } from './fault-ledger';

export function summarise(entries: LedgerEntry[], elapsedSeconds?: number): string[] {
  const scenarios = entries.filter((e): e is Extract<LedgerEntry, { type: 'scenario' }> => e.type === 'scenario');
  const inputs = entries.filter((e): e is Extract<LedgerEntry, { type: 'inputs' }> => e.type === 'inputs');
  const fuzz = entries.filter((e): e is Extract<LedgerEntry, { type: 'fuzz' }> => e.type === 'fuzz');
  const sum = <T>(list: T[], f: (t: T) => number) => list.reduce((n, t) => n + f(t), 0);
  const mode = entries[0]?.mode ?? 'bounded';
  const lines = [
    `fault-and-abuse suite (${mode})${elapsedSeconds === undefined ? '' : `; this jest run took ${elapsedSeconds.toFixed(0)} s`}`,
    `  scenarios run     ${scenarios.length}`,
    `  changes made      ${sum(scenarios, (s) => s.changes)}`,
    `  changes lost      ${sum(scenarios, (s) => s.lost)}`,
    `  duplicates        ${sum(scenarios, (s) => s.duplicates)}`,
    `  bad inputs tried  ${sum(inputs, (i) => i.tried)}`,
    `  5xx answers       ${sum(inputs, (i) => i.fiveXx)}`,
    `  fuzz cases        ${sum(fuzz, (f) => f.cases)}`,
  ];
  for (const s of scenarios) {
    lines.push(`  - ${s.name}: ${s.changes} changes, ${s.lost} lost, ${s.duplicates} duplicates, ${s.seconds.toFixed(1)} s`);
  }
  return lines;
}

export default function faultsSummary(): void {
  const file = process.env.FAULTS_LEDGER;
  if (!file) return;
  const entries = readLedger(file);
  fs.rmSync(file, { force: true });
  if (entries.length === 0) return;
  const startedAt = Number(process.env.FAULTS_STARTED_AT);
  const elapsed = Number.isFinite(startedAt) && startedAt > 0 ? (Date.now() - startedAt) / 1000 : undefined;
  console.log(`\n${summarise(entries, elapsed).join('\n')}\n`);
}
