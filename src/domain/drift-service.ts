import type { ClaimableAccounts } from '../jobs/claimable-accounts';
import { limitConcurrency } from '../jobs/concurrency-limit';
import { pagesOf } from '../jobs/secret-server-import';
import type { Logger } from '../logging/logger';
import type { SecretServerClient, SecretServerGroupMember } from '../secret-server/secret-server-client';
import { isAbsentOrForbidden } from '../secret-server/secret-server-errors';
import type { DriftReportStore } from '../store/drift-report-store';
import type { ResourceStore } from '../store/resource-store';
import type { AdminService } from './admin-service';
import { compareDrift, fixTargets, groupsToRead, type DesiredEntry, type DriftReport } from './drift-report';
import type { ResourceKind } from './resource-types';

export interface DriftServiceDependencies {
  store: Pick<ResourceStore, 'scan' | 'getLinks' | 'dirtyAmong'>;
  /** Reads only; the client spends the shared SS_MAX_RPS budget on each call (secret-server-transport.ts). */
  secretServer: Pick<SecretServerClient, 'listUsersPage' | 'listGroupsPage' | 'listGroupMembers'>;
  accounts: Pick<ClaimableAccounts, 'refusalCheck'>;
  reports: DriftReportStore;
  admin: Pick<AdminService, 'resyncOne'>;
  /** SS_PAGE_SIZE. */
  pageSize: number;
  logger: Logger;
  clock?: () => Date;
}

/** Member lists read at once, as the import reads them: enough to hide latency, not to flood Secret Server. */
const MEMBER_READS_AT_ONCE = 8;

/**
 * Runs the drift report (drift-report.ts): reads the desired state from Redis and Secret Server
 * as it is (every user, inactive ones included, and every group, a page of SS_PAGE_SIZE at a
 * time, then the members of each linked group), compares, and keeps the result for /metrics and
 * the console (DriftReportStore). Reading writes nothing to Secret Server; `fix` only enqueues.
 */
export class DriftService {
  private readonly clock: () => Date;

  constructor(private readonly deps: DriftServiceDependencies) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async check(): Promise<DriftReport> {
    const { secretServer, pageSize } = this.deps;
    const startedAt = this.clock();
    // The API account first: a Secret Server that cannot be reached fails here, before any paging.
    const refusal = await this.deps.accounts.refusalCheck();
    const [users, groups] = [await this.desired('User'), await this.desired('Group')];
    const secretServerUsers = [];
    for await (const page of pagesOf((skip) => secretServer.listUsersPage(skip, pageSize))) secretServerUsers.push(...page);
    const secretServerGroups = [];
    for await (const page of pagesOf((skip) => secretServer.listGroupsPage(skip, pageSize))) secretServerGroups.push(...page);

    const groupMembers = new Map<number, SecretServerGroupMember[]>();
    const read = limitConcurrency(MEMBER_READS_AT_ONCE);
    await Promise.all(
      groupsToRead(groups, secretServerGroups).map((id) =>
        read(async () => {
          try {
            groupMembers.set(id, await secretServer.listGroupMembers(id));
          } catch (err) {
            // Gone since the group list was read: its members are not compared this time.
            if (!isAbsentOrForbidden(err)) throw err;
          }
        }),
      ),
    );

    const report = compareDrift({ users, groups, secretServerUsers, secretServerGroups, groupMembers, refusal, startedAt, finishedAt: this.clock() });
    await this.deps.reports.save(report);
    this.deps.logger.info('drift report finished', { category: 'admin', ...report.summary.counts, notYetSynced: report.summary.notYetSynced });
    return report;
  }

  /**
   * Enqueues a forced sync (AdminService.resyncOne) of each SCIM user and group that drifted; the
   * workers converge them. Duplicates and unmanaged accounts are left alone. Answers how many were enqueued.
   */
  async fix(report: DriftReport): Promise<number> {
    let enqueued = 0;
    for (const target of fixTargets(report.items)) if (await this.deps.admin.resyncOne(target.kind, target.id)) enqueued++;
    this.deps.logger.info('drift fix enqueued', { category: 'admin', enqueued });
    return enqueued;
  }

  lastReport() {
    return this.deps.reports.lastReport();
  }

  private async desired(kind: ResourceKind): Promise<DesiredEntry[]> {
    const entries: DesiredEntry[] = [];
    for await (const batch of this.deps.store.scan(kind, 500)) {
      const ids = batch.map((r) => r.id);
      const [links, dirty] = await Promise.all([this.deps.store.getLinks(kind, ids), this.deps.store.dirtyAmong(kind, ids)]);
      batch.forEach((resource, i) => entries.push({ resource, link: links[i], dirty: dirty[i] }));
    }
    return entries;
  }
}
