import { planWaves, runWave } from './import-waves';

describe('import waves', () => {
  it('when no two objects share a key or a resource, then the slice is one wave', () => {
    expect(
      planWaves([
        { keys: ['a'], ids: [] },
        { keys: ['b'], ids: ['R1'] },
        { keys: ['c'], ids: [] },
      ]),
    ).toEqual([[0, 1, 2]]);
  });

  it('when objects share a key, then each comes after the earlier one, and the others do not wait', () => {
    const waves = planWaves([
      { keys: ['shared@x.com', 'alice'], ids: [] },
      { keys: ['b@x.com'], ids: [] },
      { keys: ['shared@x.com'], ids: [] },
      { keys: ['carol', 'shared@x.com'], ids: [] },
      { keys: ['d@x.com'], ids: [] },
    ]);
    expect(waves).toEqual([[0, 1, 4], [2], [3]]);
  });

  it('when two objects reach the same SCIM resource through different keys, then they run in page order', () => {
    expect(
      planWaves([
        { keys: ['a'], ids: ['R'] },
        { keys: ['b'], ids: ['R'] },
      ]),
    ).toEqual([[0], [1]]);
  });

  it('when objects are chained by a key, then a resource one of them reaches orders the whole chain', () => {
    // 0 and 2 share key k; 0 reaches R through its Secret Server id; 1 (between them) reaches R by another key.
    // After 0 has written k, 2 finds R there: 2 must not run before 1.
    const waves = planWaves([
      { keys: ['k'], ids: ['R'] },
      { keys: ['m'], ids: ['R'] },
      { keys: ['k', 'n'], ids: [] },
    ]);
    expect(waves).toEqual([[0], [1], [2]]);
  });

  it('when one call of a wave fails, then the others finish before the first failure is thrown', async () => {
    const finished: number[] = [];
    const run = runWave([1, 2, 3], async (n) => {
      await new Promise((r) => setTimeout(r, n * 5));
      finished.push(n);
      if (n !== 3) throw new Error(`failed ${n}`);
      return n;
    });
    await expect(run).rejects.toThrow('failed 1');
    expect(finished).toEqual([1, 2, 3]);
  });
});
