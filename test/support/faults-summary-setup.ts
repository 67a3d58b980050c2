/**
 * jest globalSetup: a fresh ledger file for this run (see fault-ledger.ts). Test files run in
 * band in this process, or in workers forked after this, so they all see FAULTS_LEDGER.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function faultsSummarySetup(): void {
  const file = path.join(os.tmpdir(), `scim-bridge-faults-${process.pid}-${Date.now()}.jsonl`);
  fs.writeFileSync(file, '');
  process.env.FAULTS_LEDGER = file;
  process.env.FAULTS_STARTED_AT = String(Date.now());
}
