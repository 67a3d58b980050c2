import { execFile } from 'node:child_process';
import path from 'node:path';
import { TEST_REDIS_URL } from '../support/redis';

export const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI (`tsx src/cli/main.ts`, what `npm run admin` runs) as a child process against
 * the test Redis under `prefix`; resolves whatever the exit code.
 */
export function runCli(prefix: string, ...args: string[]): Promise<CliRun> {
  const env = { ...process.env, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, SCIM_TOKEN: '' };
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli/main.ts', ...args], { cwd: root, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

export const lines = (text: string): string[] => text.trimEnd().split('\n');
export const lastLine = (text: string): string => lines(text).at(-1) ?? '';

/**
 * Checks that stdout is a table whose first line is exactly these column titles and whose rows
 * start every column where its title starts; returns the rows.
 */
export function expectAlignedTable(stdout: string, titles: string[]): string[] {
  const [header, ...rows] = lines(stdout);
  expect(header.split(/ {2,}/)).toEqual(titles);
  const starts = titles.map((title) => header.indexOf(title));
  for (const row of rows) {
    for (const start of starts.slice(1)) {
      expect(row[start - 1]).toBe(' ');
      expect(row[start]).toMatch(/\S/);
    }
  }
  return rows;
}
