/** Latency bookkeeping for the bench: raw samples, exact percentiles (runs are small enough to sort). */

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { count: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]) };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Latencies (ms) per label, plus status counts. */
export class LatencyRecorder {
  private readonly byLabel = new Map<string, number[]>();
  readonly statuses: Record<string, number> = {};

  record(label: string, ms: number, status?: number): void {
    let list = this.byLabel.get(label);
    if (!list) this.byLabel.set(label, (list = []));
    list.push(ms);
    if (status !== undefined) this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }

  count(): number {
    let n = 0;
    for (const list of this.byLabel.values()) n += list.length;
    return n;
  }

  percentiles(label?: string): Percentiles {
    return percentiles(label ? (this.byLabel.get(label) ?? []) : [...this.byLabel.values()].flat());
  }
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function inPool<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
