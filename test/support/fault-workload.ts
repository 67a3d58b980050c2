/**
 * The Okta-like workload every Secret Server fault runs under: a paced push of users, some
 * deactivated, some renamed, a fifth added to one group, all through the SCIM API.
 */
import type { Harness } from './bridge-harness';
import { oktaUser, pacedPool, patchOp, uniqueEmail } from './fault-mode';

export interface WorkloadResult {
  /** SCIM writes answered 2xx. */
  changes: number;
  /** Slowest SCIM answer, ms: Okta must never wait for Secret Server. */
  slowestMs: number;
  statuses: Record<number, number>;
  userIds: string[];
  groupId: string;
}

export async function pushWorkload(
  h: Pick<Harness, 'scim'>,
  options: { users: number; perSecond: number; label: string; concurrency?: number },
): Promise<WorkloadResult> {
  const result: WorkloadResult = { changes: 0, slowestMs: 0, statuses: {}, userIds: [], groupId: '' };
  const write = async (method: string, path: string, body: unknown) => {
    const t0 = Date.now();
    const res = await h.scim(method, path, body);
    result.slowestMs = Math.max(result.slowestMs, Date.now() - t0);
    result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
    if (res.status < 300) result.changes++;
    return res;
  };
  const group = await write('POST', '/Groups', { displayName: `${options.label} ${uniqueEmail('group')}` });
  if (group.status !== 201) throw new Error(`could not create the workload group: ${group.status}`);
  result.groupId = group.body.id;

  const emails = Array.from({ length: options.users }, (_, i) => uniqueEmail(`${options.label}${i}`));
  await pacedPool(emails, options.perSecond, options.concurrency ?? 16, async (email, i) => {
    const created = await write('POST', '/Users', oktaUser(email, i % 13 === 0 ? '' : `Given${i}`, i % 13 === 0 ? '' : `Family${i}`));
    if (created.status !== 201) return;
    result.userIds.push(created.body.id);
    if (i % 10 === 0) await write('PATCH', `/Users/${created.body.id}`, patchOp({ op: 'replace', value: { active: false } }));
    if (i % 7 === 0) await write('PATCH', `/Users/${created.body.id}`, patchOp({ op: 'replace', path: 'displayName', value: `Renamed ${i}` }));
    if (i % 5 === 0) {
      await write('PATCH', `/Groups/${result.groupId}`, patchOp({ op: 'add', path: 'members', value: [{ value: created.body.id }] }));
    }
  });
  return result;
}
