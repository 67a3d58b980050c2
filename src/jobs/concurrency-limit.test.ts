import { limitConcurrency } from './concurrency-limit';

describe('limitConcurrency', () => {
  it('when more tasks than the limit are given, then at most the limit run at once, all in order of arrival', async () => {
    const limit = limitConcurrency(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        limit(async () => {
          started.push(i);
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
          if (i === 4) throw new Error('four');
          return i;
        }).catch((err: Error) => err.message),
      ),
    );
    expect(most).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results[4]).toBe('four');
    expect(results[9]).toBe(9);
  });
});
