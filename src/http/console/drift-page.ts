import type { Request, Response, Router } from 'express';
import { DRIFT_KINDS, type DriftItem, type StoredDriftReport } from '../../domain/drift-report';
import type { DriftService } from '../../domain/drift-service';
import { isSecretServerError } from '../../secret-server/secret-server-errors';
import { csrfField, html, sendConsolePage, type SafeHtml } from './console-html';
import { placeOf } from './console-place';
import { historyPath } from './history-page';

export type DriftPageDependencies = Pick<DriftService, 'check' | 'fix' | 'lastReport'>;

/**
 * The console's drift page: the last drift report (domain/drift-report.ts), whichever process ran
 * it, with "Check now" and "Fix drift". The check runs in the request: it is a bounded number of
 * Secret Server reads (a page of SS_PAGE_SIZE users or groups per call, then one call per linked
 * group), paced by SS_MAX_RPS like every other call. The forms carry the session's CSRF token
 * (admin-surface.ts checks it before these handlers run); nothing personal goes into a URL.
 */
export function registerDriftPage(router: Router, deps: DriftPageDependencies): void {
  const render = async (req: Request, res: Response, notice?: string, problem?: string) => {
    const report = await deps.lastReport();
    sendConsolePage(req, res, 200, { title: 'Drift', current: 'drift', notice, problem }, driftBody(placeOf(res).base, report, req.adminSession!.csrfToken));
  };
  /** Runs the check (and the fix); Secret Server out of reach is said on the page, not answered as an error page. */
  const run = async (req: Request, res: Response, fix: boolean) => {
    try {
      const report = await deps.check();
      const enqueued = fix ? await deps.fix(report) : undefined;
      const found = `${report.summary.total} drift item(s) found.`;
      await render(req, res, enqueued === undefined ? found : `${found} ${enqueued} forced sync(s) enqueued: reload in a moment, then check again.`);
    } catch (err) {
      if (!isSecretServerError(err)) throw err;
      await render(req, res, undefined, `Secret Server could not be read, so nothing was compared: ${err.message}`);
    }
  };

  router.get('/drift', async (req, res) => render(req, res));
  router.post('/drift', async (req, res) => run(req, res, false));
  router.post('/drift/fix', async (req, res) => run(req, res, true));
}

function driftBody(base: string, report: StoredDriftReport | undefined, csrfToken: string): SafeHtml {
  const actions = html`<div>
    <form method="post" action="${base}/drift" class="inline">${csrfField(csrfToken)}<button type="submit">Check now</button></form>
    <form method="post" action="${base}/drift/fix" class="inline">${csrfField(csrfToken)}<button type="submit">Fix drift</button></form>
  </div>`;
  const explanation = html`<p>
    Drift is Secret Server holding something other than what Okta sent: a user missing, disabled or renamed there, a group member added or removed by hand, a
    second user with one email, or an account no SCIM user is linked to. <strong>Check now</strong> compares every user and group again.
    <strong>Fix drift</strong> checks, then queues a forced sync of each SCIM user and group that drifted; duplicates and unmanaged accounts are only reported
    (the bridge never deletes). Users and groups whose last change has not reached Secret Server yet are not compared.
  </p>`;
  if (!report)
    return html`${explanation}${actions}
      <p data-fact="drift-last-run">Never run (or the last report has expired).</p>`;
  const { summary } = report;
  const counts = html`<table>
    <tbody>
      ${DRIFT_KINDS.map(
        (kind) =>
          html`<tr>
            <th scope="row">${kind}</th>
            <td data-count="drift-${kind}">${summary.counts[kind]}</td>
          </tr>`,
      )}
      <tr>
        <th scope="row">protected accounts (listed, not counted)</th>
        <td data-count="drift-protected">${summary.protectedAccounts}</td>
      </tr>
      <tr>
        <th scope="row">not yet synced (not compared)</th>
        <td data-count="drift-not-yet-synced">${summary.notYetSynced}</td>
      </tr>
    </tbody>
  </table>`;
  const row = (item: DriftItem) =>
    html`<tr data-kind="${item.kind}">
      <td>${item.kind}</td>
      <td>
        ${item.resource ? html`<a href="${historyPath(base, item.resource.kind, item.resource.id)}">${item.resource.kind}</a><br /><small>${item.resource.id}</small>` : '—'}
      </td>
      <td>${item.name}</td>
      <td>${item.secretServerId ?? '—'}</td>
      <td>${item.what}</td>
      <td>${item.detail}</td>
    </tr>`;
  return html`${explanation}${actions}
    <p data-fact="drift-last-run">
      Last checked ${summary.finishedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}: <strong data-count="drift-total">${summary.total}</strong> drift item(s)
      in ${summary.checked.users} user(s) and ${summary.checked.groups} group(s) against ${summary.checked.secretServerUsers} Secret Server user(s).
    </p>
    ${counts}
    ${
      report.items.length === 0
        ? html`<p>Nothing drifted.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>Kind</th>
                <th>SCIM resource</th>
                <th>Name</th>
                <th>Secret Server id</th>
                <th>What</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              ${report.items.map(row)}
            </tbody>
          </table>`
    }
    ${report.itemsLeftOut > 0 ? html`<p>${report.itemsLeftOut} more item(s) are not shown: <code>npm run admin -- drift</code> lists them all.</p>` : ''}`;
}
