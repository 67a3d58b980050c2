import type { Request, Response, Router } from 'express';
import type { ConsoleQueries, ConsoleRow } from '../../domain/console-queries';
import type { AdminService } from '../../domain/admin-service';
import type { ResourceKind } from '../../domain/resource-types';
import type { HistoryEvent } from '../../history/history-event';
import { summarizeEvent, type HistoryReader } from '../../history/history-reader';
import { csrfField, html, sendConsolePage, stateCell, when, type SafeHtml } from './console-html';
import { placeOf } from './console-place';

export interface HistoryPageDependencies {
  queries: ConsoleQueries;
  history: HistoryReader;
  admin: AdminService;
}

/** SCIM ids are what the bridge or Okta generated (RFC 7643 §3.1): this shape covers both, and nothing else reaches a lookup. */
const SCIM_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * One user's or group's page: who it is, where it stands in Secret Server, and its history newest
 * first (history/resource-history.ts). The URL carries the SCIM id only, never an email or name.
 */
export function historyRoutes(router: Router, deps: HistoryPageDependencies): void {
  for (const kind of ['User', 'Group'] as const) {
    const base = kind === 'User' ? '/users' : '/groups';
    const render = async (req: Request, res: Response, notice?: string) => {
      const id = String(req.params.id);
      if (!SCIM_ID.test(id)) return notFound(req, res, kind);
      const [row, events] = await Promise.all([deps.queries.row(kind, id), deps.history.events({ kind, id })]);
      if (!row && events.length === 0) return notFound(req, res, kind);
      const title = row ? `${kind === 'User' ? 'User' : 'Group'} ${row.name}` : `Deleted ${kind.toLowerCase()} ${id}`;
      const current = kind === 'User' ? 'users' : 'groups';
      sendConsolePage(req, res, 200, { title, current, notice }, historyBody(placeOf(res).base, kind, id, row, events, req.adminSession!.csrfToken));
    };
    router.get(`${base}/:id/history`, (req, res) => render(req, res));
    router.post(`${base}/:id/history/retry`, async (req, res) => {
      const id = String(req.params.id);
      const queued = SCIM_ID.test(id) && (await deps.admin.resyncOne(kind, id));
      await render(req, res, queued ? 'A forced sync is queued; reload in a moment to see its run below.' : undefined);
    });
  }
}

/** The path of a resource's history page under a directory's console path (console-place.ts), for links from the other pages. */
export function historyPath(base: string, kind: ResourceKind, id: string): string {
  return `${base}/${kind === 'User' ? 'users' : 'groups'}/${encodeURIComponent(id)}/history`;
}

function notFound(req: Request, res: Response, kind: ResourceKind): void {
  const noun = kind.toLowerCase();
  sendConsolePage(
    req,
    res,
    404,
    { title: `No such ${noun}`, current: kind === 'User' ? 'users' : 'groups' },
    html`<p>No ${noun} has this id, and no history is kept for one. <a href="${placeOf(res).base}/${noun}s">Search the ${noun}s</a>.</p>`,
  );
}

function historyBody(base: string, kind: ResourceKind, id: string, row: ConsoleRow | null, events: HistoryEvent[], csrfToken: string): SafeHtml {
  const facts = row
    ? html`<table class="facts">
          <tbody>
            <tr>
              <th scope="row">SCIM id</th>
              <td>${id}</td>
            </tr>
            ${
              kind === 'User'
                ? html`<tr>
                      <th scope="row">Email</th>
                      <td>${row.email ?? '—'}</td>
                    </tr>
                    <tr>
                      <th scope="row">Name</th>
                      <td>${row.displayName ?? '—'}</td>
                    </tr>
                    <tr>
                      <th scope="row">Active</th>
                      <td>${row.active ? 'yes' : 'no'}</td>
                    </tr>`
                : html`<tr>
                    <th scope="row">Members</th>
                    <td>${row.members ?? '—'}</td>
                  </tr>`
            }
            <tr>
              <th scope="row">syncState</th>
              <td data-field="syncState">${stateCell(row.syncState)}</td>
            </tr>
            <tr>
              <th scope="row">Secret Server id</th>
              <td data-field="secretServerId">${row.secretServerId ?? '—'}</td>
            </tr>
            <tr>
              <th scope="row">Last error</th>
              <td class="error">${row.lastError ?? ''}</td>
            </tr>
            <tr>
              <th scope="row">Last sync</th>
              <td>${when(row.lastSyncedAt)}</td>
            </tr>
          </tbody>
        </table>
        <form method="post" action="${historyPath(base, kind, id)}/retry">
          ${csrfField(csrfToken)}<button type="submit">Retry: converge Secret Server again</button>
        </form>`
    : html`<p>This ${kind.toLowerCase()} was deleted; its history is kept until it ages out.</p>`;
  const eventRow = (event: HistoryEvent) => {
    const line = summarizeEvent(event);
    return html`<tr data-event="${event.type}">
      <td>${when(line.at)}</td>
      <td>${line.what}</td>
      <td><small>${line.requestId ?? ''}</small></td>
      <td class="${event.type === 'protected' || (event.type === 'job' && event.outcome === 'failed') ? 'error' : ''}">${line.detail}</td>
    </tr>`;
  };
  return html`${facts}
    <h2>History</h2>
    <p>
      Newest first: each SCIM request that changed it, each run of its sync job, and each Secret Server call a run made (the last 100 events, 30 days at most).
    </p>
    ${
      events.length === 0
        ? html`<p>No events kept yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>When</th>
                <th>What</th>
                <th>Request id</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              ${events.map(eventRow)}
            </tbody>
          </table>`
    }`;
}
