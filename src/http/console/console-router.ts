import express, { type Request, type Response, type Router } from 'express';
import type { AdminService } from '../../domain/admin-service';
import type { ConsolePage, ConsoleQueries, ConsoleRow, FailedJobRow } from '../../domain/console-queries';
import type { ResourceKind, SyncState } from '../../domain/resource-types';
import type { AdminSessionStore } from '../../store/admin-session-store';
import type { HistoryReader } from '../../history/history-reader';
import type { ProtectedAttempt } from '../../history/protected-attempts';
import type { ScimRequestEvent } from '../../history/history-event';
import { reachedOverTls, signedOutCookies } from './console-cookies';
import { historyPath, historyRoutes } from './history-page';
import { csrfField, html, sendConsolePage, stateCell, when, type SafeHtml } from './console-html';
import { consoleBasePath, DEFAULT_PLACE, setPlace } from './console-place';
import { registerDriftPage, type DriftPageDependencies } from './drift-page';

/** What the overview shows beside the counts: the facts /readyz reports, and the import's last run. */
export interface ConsoleStatus {
  redis: { ok: boolean; detail?: string };
  secretServer: { ok: boolean; detail: string; kind?: string };
  circuit: string;
  dryRun: boolean;
  lastImportFinishedAt?: Date;
}

/** The accounts the bridge never claims, and the last attempts on them with the SCIM request behind each. */
export interface ProtectedAccountsView {
  /** SS_PROTECTED_USERS as configured. */
  configured: string[];
  /** The API account's userName, once the bridge has signed in. */
  apiAccount?: string;
  attempts: Array<ProtectedAttempt & { cause?: ScimRequestEvent }>;
}

export interface ConsoleDependencies {
  /** The directory whose pages these are (its services are all the others), and every directory's name for the header's switch. */
  directory: string;
  directories(): Promise<readonly string[]>;
  queries: ConsoleQueries;
  admin: AdminService;
  sessions: AdminSessionStore;
  status(): Promise<ConsoleStatus>;
  history: HistoryReader;
  protectedAccounts(): Promise<ProtectedAccountsView>;
  /** Rows per page of Users and Groups. */
  pageSize?: number;
  /** The drift page (drift-page.ts); absent, the console has none. */
  drift?: DriftPageDependencies;
}

const SYNC_STATES: SyncState[] = ['pending', 'synced', 'dry-run', 'failed'];
const FAILED_SHOWN = 200;

/**
 * One directory's console pages, for a signed-in browser only (admin-surface.ts decides who that
 * is and has checked the CSRF token of every POST before these run). Every page is server-rendered
 * HTML that works without JavaScript. Personal data never goes into a URL: a search is a POST, and
 * the links carry only page numbers and fixed notice codes. Every action acts through this
 * directory's services, and every link and form points under its base path (console-place.ts).
 */
export function consoleRouter(deps: ConsoleDependencies): Router {
  const router = express.Router();
  const pageSize = deps.pageSize ?? 50;
  const csrf = (req: Request) => req.adminSession!.csrfToken;
  const base = consoleBasePath(deps.directory);

  // The header's directory switch lists the directories: read for pages only, not for the JSON
  // requests (the dashboard's polling) that pass through on their way to admin-router.ts.
  router.use(async (req, res, next) => {
    const directories = req.accepts(['json', 'html']) === 'html' ? await deps.directories() : [deps.directory];
    setPlace(res, { base, directory: deps.directory, directories });
    next();
  });

  router.get('/', async (req, res) => {
    const [users, groups, queue, status, protectedAccounts] = await Promise.all([
      deps.queries.syncStateCounts('User'),
      deps.queries.syncStateCounts('Group'),
      deps.admin.queueCounts(),
      deps.status(),
      deps.protectedAccounts(),
    ]);
    sendConsolePage(req, res, 200, { title: 'Overview', current: 'overview' }, overviewBody(base, users, groups, queue, status, protectedAccounts));
  });

  for (const kind of ['User', 'Group'] as const) {
    const path = kind === 'User' ? '/users' : '/groups';
    const title = kind === 'User' ? 'Users' : 'Groups';
    const current = kind === 'User' ? 'users' : 'groups';
    const render = async (req: Request, res: Response, query: string, pageIndex: number, notice?: string, problem?: string) => {
      const page = await deps.queries.page(kind, query, pageIndex, pageSize);
      sendConsolePage(req, res, 200, { title, current, notice, problem }, resourcesBody(base, kind, path, page, query, pageIndex, csrf(req)));
    };
    router.get(path, async (req, res) => render(req, res, '', pageNumber(req.query.page)));
    router.post(path, async (req, res) => {
      const body = formBody(req);
      await render(req, res, body.q ?? '', pageNumber(body.page));
    });
    router.post(`${path}/retry`, async (req, res) => {
      const body = formBody(req);
      const queued = body.id ? await deps.admin.resyncOne(kind, body.id) : false;
      await render(
        req,
        res,
        body.q ?? '',
        pageNumber(body.page),
        queued ? `A forced sync of that ${kind.toLowerCase()} is queued; reload in a moment to see where it stands.` : undefined,
        queued ? undefined : `No such ${kind.toLowerCase()}: it may have been deleted.`,
      );
    });
  }

  historyRoutes(router, { queries: deps.queries, history: deps.history, admin: deps.admin });

  router.get('/failed', async (req, res, next) => {
    // A script that holds a session cookie and asks for JSON gets the JSON answer (admin-router.ts).
    if (req.accepts(['json', 'html']) !== 'html') return next();
    await renderFailed(req, res);
  });
  router.post('/failed/retry', async (req, res, next) => {
    if (!req.is('application/x-www-form-urlencoded')) return next();
    const body = formBody(req);
    if (body.jobId) {
      const result = await deps.admin.retryFailedJob(body.jobId);
      return renderFailed(
        req,
        res,
        result.retried ? 'The job is retried: it is waiting for a worker.' : undefined,
        result.retried ? undefined : result.state === 'missing' ? 'No job has that id any more.' : `The job was not retried: it is ${result.state} now.`,
      );
    }
    const retried = await deps.admin.retryFailed();
    await renderFailed(req, res, `${retried} failed job(s) retried: they are waiting for a worker.`);
  });

  if (deps.drift) registerDriftPage(router, deps.drift);

  router.post('/logout', async (req, res) => {
    await deps.sessions.destroy(req.adminSession!.id);
    res.setHeader('Set-Cookie', signedOutCookies(reachedOverTls(req)));
    res.redirect(303, '/admin/login?done=signed-out');
  });

  const renderFailed = async (req: Request, res: Response, notice?: string, problem?: string) => {
    const [jobs, counts] = await Promise.all([deps.queries.failedJobs(FAILED_SHOWN), deps.admin.queueCounts()]);
    sendConsolePage(req, res, 200, { title: 'Failed', current: 'failed', notice, problem }, failedBody(base, jobs, counts.failed ?? jobs.length, csrf(req)));
  };

  return router;
}

/** A urlencoded form's fields, strings only (a repeated field is not one of ours). */
function formBody(req: Request): { q?: string; page?: string; id?: string; jobId?: string } {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const field = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
  return { q: field('q'), page: field('page'), id: field('id'), jobId: field('jobId') };
}

/** `page` from a link or form, 1-based as shown; the 0-based index of it. */
function pageNumber(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : 1;
  return Math.max(1, n) - 1;
}

function overviewBody(
  base: string,
  users: Record<SyncState, number>,
  groups: Record<SyncState, number>,
  queue: Record<string, number>,
  status: ConsoleStatus,
  protectedAccounts: ProtectedAccountsView,
): SafeHtml {
  const countsTable = (label: string, counts: Record<SyncState, number>) =>
    html`<div class="card">
      <h2>${label}</h2>
      <table>
        <tbody>
          ${SYNC_STATES.map(
            (s) =>
              html`<tr>
                <th scope="row">${stateCell(s)}</th>
                <td data-count="${label.toLowerCase()}-${s}">${counts[s]}</td>
              </tr>`,
          )}
          <tr>
            <th scope="row">total</th>
            <td>${SYNC_STATES.reduce((sum, s) => sum + counts[s], 0)}</td>
          </tr>
        </tbody>
      </table>
    </div>`;
  const queueStates = ['waiting', 'active', 'delayed', 'failed'];
  return html`<div class="cards">
      ${countsTable('Users', users)} ${countsTable('Groups', groups)}
      <div class="card">
        <h2>Queue</h2>
        <table>
          <tbody>
            ${queueStates.map(
              (s) =>
                html`<tr>
                  <th scope="row">${s}</th>
                  <td data-count="queue-${s}">${queue[s] ?? 0}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <p><a href="${base}/failed">Failed jobs</a>${base === DEFAULT_PLACE.base ? html` · <a href="/admin/queues">Queue dashboard</a>` : ''}</p>
      </div>
      <div class="card">
        <h2>Secret Server</h2>
        <table>
          <tbody>
            <tr>
              <th scope="row">Kind</th>
              <td>${status.secretServer.kind ?? 'not known yet'}</td>
            </tr>
            <tr>
              <th scope="row">Reachable</th>
              <td data-fact="secret-server-ok">${status.secretServer.ok ? 'yes' : 'no'}</td>
            </tr>
            <tr>
              <th scope="row">Last heard</th>
              <td>${status.secretServer.detail}</td>
            </tr>
            <tr>
              <th scope="row">Circuit</th>
              <td data-fact="circuit">${status.circuit}</td>
            </tr>
            <tr>
              <th scope="row">Dry run</th>
              <td data-fact="dry-run">${status.dryRun ? 'on: no Secret Server writes are made' : 'off'}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <div class="card">
        <h2>Bridge</h2>
        <table>
          <tbody>
            <tr>
              <th scope="row">Redis</th>
              <td>${status.redis.ok ? 'answering' : (status.redis.detail ?? 'not answering')}</td>
            </tr>
            <tr>
              <th scope="row">Last import finished</th>
              <td data-fact="last-import">${status.lastImportFinishedAt ? when(status.lastImportFinishedAt) : 'never'}</td>
            </tr>
          </tbody>
        </table>
      </div>
    </div>
    ${protectedBody(base, protectedAccounts)}`;
}

function protectedBody(base: string, view: ProtectedAccountsView): SafeHtml {
  const attempt = (a: ProtectedAccountsView['attempts'][number]) =>
    html`<tr data-attempt="${a.secretServerId}">
      <td>${when(a.at)}</td>
      <td>${a.secretServerId}</td>
      <td>${a.reason}</td>
      <td><a href="${historyPath(base, a.kind, a.resourceId)}">${a.kind} ${a.resourceId}</a></td>
      <td>
        ${a.cause ? html`SCIM ${a.cause.method}${a.cause.changed.length ? ` (${a.cause.changed.join(', ')})` : ''}<br />` : ''}<small
          >${a.requestId ?? 'no request id (a resync or the sweeper)'}</small
        >
      </td>
    </tr>`;
  return html`<h2>Protected accounts</h2>
    <p>
      The bridge never links, changes or disables these Secret Server accounts: the API account it signs in with
      (${view.apiAccount ?? 'not known yet: Secret Server has not named it'}), application accounts, and SS_PROTECTED_USERS
      (${view.configured.length ? view.configured.join(', ') : 'none configured'}).
    </p>
    ${
      view.attempts.length === 0
        ? html`<p data-fact="protected-attempts">No attempt on a protected account.</p>`
        : html`<p data-fact="protected-attempts">
              ${view.attempts.length} recent attempt(s), newest first; unassign the person in Okta or give them another email.
            </p>
            <table>
              <thead>
                <tr>
                  <th>When</th>
                  <th>Secret Server id</th>
                  <th>Why it is protected</th>
                  <th>SCIM resource</th>
                  <th>SCIM request</th>
                </tr>
              </thead>
              <tbody>
                ${view.attempts.map(attempt)}
              </tbody>
            </table>`
    }`;
}

function resourcesBody(base: string, kind: ResourceKind, path: string, page: ConsolePage, query: string, pageIndex: number, csrfToken: string): SafeHtml {
  const isUser = kind === 'User';
  const noun = isUser ? 'user' : 'group';
  const action = `${base}${path}`;
  const searchHint = isUser ? 'email, userName, name or Secret Server id' : 'name or Secret Server id';
  // A search's pages are POSTs too, so the search text never lands in a URL.
  const pageLink = (index: number, label: string) =>
    query
      ? html`<form method="post" action="${action}" class="inline">
          ${csrfField(csrfToken)}<input type="hidden" name="q" value="${query}" /><input type="hidden" name="page" value="${index + 1}" /><button type="submit">
            ${label}
          </button>
        </form>`
      : html`<a href="${action}?page=${index + 1}">${label}</a>`;
  const retry = (row: ConsoleRow) =>
    html`<form method="post" action="${action}/retry" class="inline">
      ${csrfField(csrfToken)}<input type="hidden" name="id" value="${row.id}" /><input type="hidden" name="q" value="${query}" /><input
        type="hidden"
        name="page"
        value="${pageIndex + 1}"
      /><button type="submit" aria-label="Retry ${row.name}">Retry</button>
    </form>`;
  const head = isUser
    ? html`<tr>
        <th>userName</th>
        <th>Email</th>
        <th>Name</th>
        <th>Active</th>
        <th>syncState</th>
        <th>Secret Server id</th>
        <th>Last error</th>
        <th>Last sync</th>
        <th></th>
      </tr>`
    : html`<tr>
        <th>displayName</th>
        <th>Members</th>
        <th>syncState</th>
        <th>Secret Server id</th>
        <th>Last error</th>
        <th>Last sync</th>
        <th></th>
      </tr>`;
  const rowHtml = (row: ConsoleRow) =>
    isUser
      ? html`<tr data-id="${row.id}">
          <td><a href="${historyPath(base, kind, row.id)}">${row.name}</a></td>
          <td>${row.email ?? '—'}</td>
          <td>${row.displayName ?? '—'}</td>
          <td>${row.active ? 'yes' : 'no'}</td>
          <td data-field="syncState">${stateCell(row.syncState)}</td>
          <td>${row.secretServerId ?? '—'}</td>
          <td class="error">${row.lastError ?? ''}</td>
          <td>${when(row.lastSyncedAt)}</td>
          <td>${retry(row)}</td>
        </tr>`
      : html`<tr data-id="${row.id}">
          <td><a href="${historyPath(base, kind, row.id)}">${row.name}</a></td>
          <td>${row.members ?? '—'}</td>
          <td data-field="syncState">${stateCell(row.syncState)}</td>
          <td>${row.secretServerId ?? '—'}</td>
          <td class="error">${row.lastError ?? ''}</td>
          <td>${when(row.lastSyncedAt)}</td>
          <td>${retry(row)}</td>
        </tr>`;
  const summary = query
    ? html`<p>${page.rows.length === 0 ? `No ${noun} matches “${query}”.` : `Page ${pageIndex + 1} of the ${noun}s matching “${query}”.`}</p>`
    : html`<p>${page.total ?? 0} ${noun}(s)${page.rows.length ? `; page ${pageIndex + 1}` : ''}.</p>`;
  return html`<form method="post" action="${action}" role="search">
      ${csrfField(csrfToken)}
      <label>Search by ${searchHint} <input type="search" name="q" value="${query}" maxlength="200" /></label>
      <button type="submit">Search</button>
      ${query ? html`<a href="${action}">Show all</a>` : ''}
    </form>
    ${summary}
    <table>
      <thead>
        ${head}
      </thead>
      <tbody>
        ${page.rows.map(rowHtml)}
      </tbody>
    </table>
    <p>${pageIndex > 0 ? pageLink(pageIndex - 1, 'Previous page') : ''} ${page.hasMore ? pageLink(pageIndex + 1, 'Next page') : ''}</p>
    <p>Retry queues a forced sync of that ${noun}: the worker reads what Okta sent and converges Secret Server to it, even where it was synced before.</p>`;
}

function failedBody(base: string, jobs: FailedJobRow[], total: number, csrfToken: string): SafeHtml {
  if (jobs.length === 0) return html`<p>No failed jobs.</p>`;
  const row = (job: FailedJobRow) =>
    html`<tr data-job="${job.jobId}">
      <td>${job.name}</td>
      <td>${job.kind} ${job.resourceName ?? html`<em>deleted</em>`}<br /><small>${job.resourceId}</small></td>
      <td>${job.attemptsMade}</td>
      <td>${when(job.failedAt)}</td>
      <td class="error">${job.failedReason}</td>
      <td>${job.advice}</td>
      <td>
        <form method="post" action="${base}/failed/retry" class="inline">
          ${csrfField(csrfToken)}<input type="hidden" name="jobId" value="${job.jobId}" /><button type="submit">Retry</button>
        </form>
      </td>
    </tr>`;
  return html`<p>
      ${total} failed job(s)${total > jobs.length ? `; the ${jobs.length} most recent are shown` : ''}. A job is retried from the desired state as it is now, so
      fix the cause first.
    </p>
    <form method="post" action="${base}/failed/retry">${csrfField(csrfToken)}<button type="submit">Retry all failed jobs</button></form>
    <table>
      <thead>
        <tr>
          <th>Job</th>
          <th>Resource</th>
          <th>Attempts</th>
          <th>Failed at</th>
          <th>Reason</th>
          <th>What to do</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${jobs.map(row)}
      </tbody>
    </table>`;
}
