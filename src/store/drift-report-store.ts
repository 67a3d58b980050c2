import type { RedisConnection } from './redis-connection';
import type { DriftReport, DriftSummary, StoredDriftReport } from '../domain/drift-report';
import { boundedReport } from '../domain/drift-report';
import type { RedisKeys } from './redis-keys';

/** Items kept with the last report: enough for a page, bounded whatever Secret Server holds. */
export const STORED_DRIFT_ITEMS = 1000;
/** The stored report names people; it goes after a week unless a newer check replaces it. */
export const DRIFT_REPORT_TTL_S = 7 * 24 * 3600;

/**
 * The last drift report, whichever process ran it (the CLI, or the console in an api process):
 * its summary (counts and times only, kept until the next report) for /metrics, and the report
 * itself, bounded and with a TTL, for the console's drift page.
 */
export class DriftReportStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
  ) {}

  async save(report: DriftReport): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.driftSummary(), JSON.stringify(report.summary))
      .set(this.keys.driftReport(), JSON.stringify(boundedReport(report, STORED_DRIFT_ITEMS)), 'EX', DRIFT_REPORT_TTL_S)
      .exec();
  }

  async lastSummary(): Promise<DriftSummary | undefined> {
    const json = await this.redis.get(this.keys.driftSummary());
    return json ? (JSON.parse(json) as DriftSummary) : undefined;
  }

  async lastReport(): Promise<StoredDriftReport | undefined> {
    const json = await this.redis.get(this.keys.driftReport());
    return json ? (JSON.parse(json) as StoredDriftReport) : undefined;
  }
}
