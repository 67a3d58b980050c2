/**
 * The end of every fault scenario: wait until nothing is left to carry to Secret Server, then
 * compare the simulator with the SCIM state, user by user and group by group. "Lost" is a SCIM
 * user or group whose current state is not (exactly) in Secret Server; "duplicate" is a second
 * Secret Server user with one lower-cased email, or a second group with one name.
 */
import type { Queue } from 'bullmq';
import { displayNameFor } from '../../src/domain/name-filling';
import type { GroupMember } from '../../src/domain/resource-types';
import { primaryEmail } from '../../src/domain/unique-keys';
import type { ResourceStore } from '../../src/store/resource-store';
import type { Simulator } from './bridge-harness';
import { record } from './fault-ledger';

export interface SyncedSystem {
  store: ResourceStore;
  provision: Queue;
  simulator: Simulator;
}

/** The pieces of a test harness the comparison needs. */
export function systemOf(h: { bridge: { container: { store: ResourceStore; queue: { provision: Queue } } }; simulator: Simulator }): SyncedSystem {
  return { store: h.bridge.container.store, provision: h.bridge.container.queue.provision, simulator: h.simulator };
}

export interface ConvergenceReport {
  users: number;
  groups: number;
  lost: string[];
  duplicates: string[];
}

/** Resolves when no dirty marker and no waiting/active/delayed job is left; fails fast on a failed job. */
export async function waitForQuiet(system: SyncedSystem, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [dirty, counts] = await Promise.all([
      system.store.countDirty(),
      system.provision.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed'),
    ]);
    if (counts.failed > 0) {
      const failed = await system.provision.getFailed(0, 5);
      throw new Error(`${counts.failed} job(s) failed: ${failed.map((j) => `${j.id}: ${j.failedReason}`).join('; ')}`);
    }
    if (dirty === 0 && counts.waiting + counts.active + counts.delayed + counts.prioritized === 0) return;
    if (Date.now() > deadline) throw new Error(`not synced after ${timeoutMs} ms: ${dirty} dirty, ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function compareWithSecretServer(system: SyncedSystem): Promise<ConvergenceReport> {
  const { store, simulator } = system;
  const report: ConvergenceReport = { users: 0, groups: 0, lost: [], duplicates: [] };
  const simUsers = [...simulator.state.users.values()];
  const byEmail = new Map<string, typeof simUsers>();
  for (const u of simUsers) {
    if (!u.emailAddress) continue;
    const key = u.emailAddress.toLowerCase();
    byEmail.set(key, [...(byEmail.get(key) ?? []), u]);
  }
  for (const [email, list] of byEmail) if (list.length > 1) report.duplicates.push(`${list.length} Secret Server users with ${email}`);

  const ssIdOfScimUser = new Map<string, number>();
  for await (const batch of store.scan('User')) {
    const links = await store.getLinks(
      'User',
      batch.map((u) => u.id),
    );
    batch.forEach((user, i) => {
      report.users += 1;
      const email = primaryEmail(user.attributes) ?? '';
      const [ssUser] = byEmail.get(email.toLowerCase()) ?? [];
      const link = links[i];
      const want = { displayName: displayNameFor(user.attributes, email), enabled: user.attributes.active !== false };
      if (!ssUser) return void report.lost.push(`user ${email} is not in Secret Server`);
      ssIdOfScimUser.set(user.id, ssUser.id);
      if (ssUser.displayName !== want.displayName || ssUser.enabled !== want.enabled || ssUser.emailAddress !== email) {
        report.lost.push(
          `user ${email}: Secret Server has ${JSON.stringify([ssUser.displayName, ssUser.enabled, ssUser.emailAddress])}, SCIM wants ${JSON.stringify(want)}`,
        );
      } else if (link?.secretServerId !== ssUser.id || link.state !== 'synced' || link.syncedVersion !== user.meta.version) {
        report.lost.push(`user ${email}: link ${JSON.stringify(link)} does not record version ${user.meta.version} of Secret Server user ${ssUser.id}`);
      }
    });
  }

  const simGroups = [...simulator.state.groups.values()].filter((g) => g.enabled);
  for await (const batch of store.scan('Group')) {
    for (const group of batch) {
      report.groups += 1;
      const name = String(group.attributes.displayName);
      const matches = simGroups.filter((g) => g.name.toLowerCase() === name.toLowerCase());
      if (matches.length > 1) report.duplicates.push(`${matches.length} Secret Server groups named ${name}`);
      if (matches.length === 0) {
        report.lost.push(`group ${name} is not in Secret Server`);
        continue;
      }
      const members = ((group.attributes.members ?? []) as GroupMember[]).map((m) => ssIdOfScimUser.get(m.value) ?? -1);
      const want = [...new Set(members)].sort((a, b) => a - b);
      const have = [...matches[0].memberIds].sort((a, b) => a - b);
      if (JSON.stringify(want) !== JSON.stringify(have)) {
        report.lost.push(
          `group ${name}: Secret Server has ${have.length} members, SCIM wants ${want.length} (${want.filter((m) => !have.includes(m)).length} missing, ${have.filter((m) => !want.includes(m)).length} extra)`,
        );
      }
    }
  }
  return report;
}

/**
 * Waits for the sync, compares, writes the scenario to the ledger and asserts the promise of the
 * suite: nothing lost, nothing duplicated, no job left failed.
 */
export async function expectConverged(
  system: SyncedSystem,
  scenario: { name: string; changes: number; startedAt: number; timeoutMs?: number },
): Promise<ConvergenceReport> {
  let notQuiet: Error | undefined;
  try {
    await waitForQuiet(system, scenario.timeoutMs ?? 120_000);
  } catch (err) {
    notQuiet = err instanceof Error ? err : new Error(String(err)); // still compare and record what was lost, then fail
  }
  const report = await compareWithSecretServer(system);
  record({
    type: 'scenario',
    name: scenario.name,
    changes: scenario.changes,
    lost: report.lost.length,
    duplicates: report.duplicates.length,
    seconds: (Date.now() - scenario.startedAt) / 1000,
  });
  if (notQuiet) throw notQuiet;
  expect(report.lost.slice(0, 10)).toEqual([]);
  expect(report.duplicates.slice(0, 10)).toEqual([]);
  return report;
}
