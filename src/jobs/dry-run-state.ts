import type { SecretServerLink } from '../domain/resource-types';
import type { JobContext } from './sync-job';

/**
 * The link state a converged job records: under SS_DRY_RUN nothing reached Secret Server, so the
 * resource says `dry-run` rather than `synced` (and its secretServerUserId, a negative stand-in,
 * is not mistaken for a real one).
 */
export function dryRunState(ctx: Pick<JobContext, 'secretServer'>): Partial<SecretServerLink> {
  return ctx.secretServer.dryRun ? { state: 'dry-run' } : {};
}
