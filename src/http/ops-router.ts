import express from 'express';
import type { BridgeMetrics } from '../metrics/bridge-metrics';

export interface ReadinessCheck {
  name: string;
  /** Resolves to a short status ('ok', 'open', ...); throws or returns ok=false when not ready. */
  check(): Promise<{ ok: boolean; detail?: string; [fact: string]: unknown }>;
}

export interface QueueGauges {
  /** Per directory and queue, the job count of each state. */
  counts(): Promise<Array<{ directory: string; queue: string; counts: Record<string, number> }>>;
}

/** /healthz (alive), /readyz (can do its work), /metrics (Prometheus). No auth, no personal data. */
export function opsRouter(deps: { checks: ReadinessCheck[]; metrics: BridgeMetrics; queues?: QueueGauges; checkTimeoutMs?: number }): express.Router {
  const router = express.Router();
  const timeoutMs = deps.checkTimeoutMs ?? 3000;

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const results = await runReadinessChecks(deps.checks, timeoutMs);
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results.map((r) => [r.name, r])) });
  });

  router.get('/metrics', async (_req, res) => {
    if (deps.queues) {
      try {
        for (const { directory, queue, counts } of await deps.queues.counts()) {
          for (const [state, value] of Object.entries(counts)) deps.metrics.queueJobs.set({ queue, state, directory }, value);
        }
      } catch {
        // Redis down: the scrape still answers with what the process knows.
      }
    }
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}

export type ReadinessResult = { name: string; ok: boolean; detail?: string; [fact: string]: unknown };

/** Every check at once, each bounded by `timeoutMs`; a check that throws or times out is not ok. What /readyz and the console's overview show. */
export async function runReadinessChecks(checks: ReadinessCheck[], timeoutMs = 3000): Promise<ReadinessResult[]> {
  return Promise.all(
    checks.map(async (c) => {
      try {
        const outcome = await withTimeout(c.check(), timeoutMs);
        return { name: c.name, ...outcome };
      } catch (err) {
        return { name: c.name, ok: false, detail: (err as Error).message };
      }
    }),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
