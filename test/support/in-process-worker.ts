/**
 * A worker-role bridge in the test process, on a prefix chosen by the test (the harness picks
 * its own): for faults where something else wrote the SCIM state (an api child process) and a
 * worker must carry it to Secret Server afterwards.
 */
import { loadConfig } from '../../src/config/load-config';
import { startBridge, RunningBridge } from '../../src/lifecycle/bridge-process';
import { createSilentLogger } from '../../src/logging/logger';
import type { Simulator } from './bridge-harness';
import type { SyncedSystem } from './convergence';

export async function startWorkerInProcess(options: { redisUrl: string; prefix: string; simulatorUrl: string }): Promise<RunningBridge> {
  const config = loadConfig(
    {
      role: 'worker',
      redis: { url: options.redisUrl, prefix: options.prefix },
      log: { level: 'warn', format: 'json' },
      secretServer: { baseUrl: options.simulatorUrl, timeoutMs: 2000, maxRps: 0 },
      worker: { concurrency: 8, attempts: 12, backoffMs: 100 },
      breaker: { failureThreshold: 5, openMs: 1000 },
    },
    {},
  );
  // A short sweep grace: whatever the api left dirty without a job is picked up within seconds.
  return startBridge(config, createSilentLogger(), { sweepIntervalMs: 1000, sweepGraceMs: 2000 });
}

export function systemOfWorker(bridge: RunningBridge, simulator: Simulator): SyncedSystem {
  return { store: bridge.container.store, provision: bridge.container.queue.provision, simulator };
}
