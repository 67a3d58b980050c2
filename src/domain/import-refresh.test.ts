import { createSilentLogger } from '../logging/logger';
import { ImportRefresh, ImportRunner } from './import-refresh';

/** A runner whose import ends when the test says so. */
function fakeRunner(lastFinishedAt?: Date) {
  let ended = false;
  const starts: number[] = [];
  const runner: ImportRunner = {
    lastFinishedAt: async () => lastFinishedAt,
    start: async () => {
      starts.push(Date.now());
      ended = false;
      return `job-${starts.length}`;
    },
    ended: async () => ended,
  };
  return {
    runner,
    starts,
    finish: () => {
      ended = true;
    },
  };
}

describe('ImportRefresh', () => {
  it('when the last import is recent, then the pass is answered at once without an import', async () => {
    const { runner, starts } = fakeRunner(new Date());
    await new ImportRefresh(runner, createSilentLogger(), { maxAgeMs: 60_000, waitMs: 5_000 }).beforeImportPass();
    expect(starts).toHaveLength(0);
  });

  it('when the import does not end within the wait, then the pass goes on, and a second pass joins the same import', async () => {
    const { runner, starts, finish } = fakeRunner(undefined);
    const refresh = new ImportRefresh(runner, createSilentLogger(), { maxAgeMs: 60_000, waitMs: 50, pollMs: 5 });
    const started = Date.now();
    await refresh.beforeImportPass();
    expect(Date.now() - started).toBeLessThan(1_000);
    await refresh.beforeImportPass();
    expect(starts).toHaveLength(1);
    finish();
  });

  it('when maxAge is 0, then no pass ever imports', async () => {
    const { runner, starts } = fakeRunner(undefined);
    await new ImportRefresh(runner, createSilentLogger(), { maxAgeMs: 0, waitMs: 50 }).beforeImportPass();
    expect(starts).toHaveLength(0);
  });
});
