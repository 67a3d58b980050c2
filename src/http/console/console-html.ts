import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { SyncState } from '../../domain/resource-types';
import { CONSOLE_SECTIONS, DEFAULT_PLACE, DIRECTORY_SWITCH_PATH, placeOf, type ConsolePlace, type ConsoleSection } from './console-place';

/**
 * HTML for the console: a tagged template that escapes every interpolated value unless it is
 * already SafeHtml, so a userName, a lastError or a failed reason is always text, never markup
 * (OWASP Cross Site Scripting Prevention Cheat Sheet, output encoding for HTML contexts:
 * https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html).
 * Values land only in element content and double-quoted attributes; no value becomes a URL, a
 * script or a style.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return escapeHtml(String(value));
  // No page interpolates an object; should one slip in, it shows as its JSON, escaped, not as markup.
  return escapeHtml(JSON.stringify(value) ?? '');
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

/** The one stylesheet, inline; the policy below allows exactly this text by its hash, and no script at all. */
const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.6rem 1.2rem;background:#1d2330;color:#fff}
header a{color:#fff;text-decoration:none}header a[aria-current=page]{text-decoration:underline}
header form{margin-left:auto}header form.directory{margin-left:0}header select{margin:0 .3rem}main{padding:1rem 1.2rem;max-width:80rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #dde1e7;vertical-align:top}
th{background:#eef0f3}td.error{color:#8a1c1c;max-width:28rem;overflow-wrap:anywhere}
.state-synced{color:#17692f}.state-failed{color:#8a1c1c;font-weight:600}.state-pending{color:#7a5a00}.state-dry-run{color:#4b4f99}
.cards{display:flex;flex-wrap:wrap;gap:1rem}.card{background:#fff;border:1px solid #dde1e7;padding:.8rem 1rem;min-width:14rem}
.notice{background:#e7f4ea;border:1px solid #9fd0ab;padding:.5rem .8rem}.problem{background:#fbeaea;border:1px solid #e3a3a3;padding:.5rem .8rem}
button,select{font:inherit;cursor:pointer}input[type=search],input[type=password]{font:inherit;padding:.25rem .4rem;min-width:18rem}
form.inline{display:inline}
`.trim();

/** Built outside the templates, so that no formatting of them can change a byte the hash covers. */
const STYLE_ELEMENT = new SafeHtml(`<style>${STYLE}</style>`);

export const CONSOLE_STYLE_HASH = `sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}`;

/**
 * The console's Content-Security-Policy (MDN: https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy):
 * nothing loads but the one inline stylesheet, no script runs (inline or not), forms post only
 * to this origin, and no other site may frame the pages (clickjacking).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'none'",
  `style-src '${CONSOLE_STYLE_HASH}'`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export interface LayoutOptions {
  title: string;
  /** The nav entry to mark as the current page. */
  current?: ConsoleSection;
  /** When signed in: the session's CSRF token for the sign-out form. */
  csrfToken?: string;
  /** The directory shown; absent, the default directory's pages at /admin. */
  place?: ConsolePlace;
  notice?: string;
  problem?: string;
}

export function layout(options: LayoutOptions, body: SafeHtml): SafeHtml {
  const place = options.place ?? DEFAULT_PLACE;
  const { base } = place;
  const several = place.directories.length > 1;
  const nav = (key: ConsoleSection, label: string) =>
    html`<a href="${base}${CONSOLE_SECTIONS[key]}" ${options.current === key ? new SafeHtml(' aria-current="page"') : ''}>${label}</a>`;
  // The queue dashboard (bull-board) shows the default directory's queues only.
  const dashboard = base === DEFAULT_PLACE.base ? html` · <a href="/admin/queues">Queue dashboard</a>` : '';
  // A GET form: no script runs on these pages, and the directory name is no secret (it is in every URL of its pages).
  const directorySwitch = several
    ? html`<form method="get" action="${DIRECTORY_SWITCH_PATH}" class="directory">
        <label
          >Directory
          <select name="name" data-fact="directory">
            ${place.directories.map((name) => html`<option value="${name}" ${name === place.directory ? new SafeHtml(' selected') : ''}>${name}</option>`)}
          </select></label
        ><input type="hidden" name="section" value="${options.current ?? 'overview'}" /><button type="submit">Show</button>
      </form>`
    : '';
  const header =
    options.csrfToken === undefined
      ? html`<header><strong>scim-bridge console</strong></header>`
      : html`<header>
          <strong>scim-bridge console</strong>
          ${directorySwitch}
          <nav>
            ${nav('overview', 'Overview')} · ${nav('users', 'Users')} · ${nav('groups', 'Groups')} · ${nav('failed', 'Failed')} ·
            ${nav('drift', 'Drift')}${dashboard}
          </nav>
          <form method="post" action="/admin/logout">${csrfField(options.csrfToken)}<button type="submit">Sign out</button></form>
        </header>`;
  return html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${options.title} · ${several ? `${place.directory} · ` : ''}scim-bridge</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        ${header}
        <main>
          <h1>${options.title}</h1>
          ${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
          ${options.problem ? html`<p class="problem" role="alert">${options.problem}</p>` : ''} ${body}
        </main>
      </body>
    </html> `;
}

/** The hidden field that carries the session's synchronizer token in every state-changing form. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}" />`;
}

/**
 * Sends a console page: never cached (it shows who is provisioned; OWASP Session Management Cheat
 * Sheet, "Web Content Caching"), under the policy above unless the page needs another.
 */
export function sendPage(res: Response, status: number, page: SafeHtml, policy: string = CONSOLE_CSP): void {
  res.status(status);
  res.setHeader('Content-Security-Policy', policy);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.send(page.value);
}

/** A page of the directory the request is in (console-place.ts), for its signed-in session. */
export function sendConsolePage(req: Request, res: Response, status: number, options: Omit<LayoutOptions, 'csrfToken' | 'place'>, body: SafeHtml): void {
  sendPage(res, status, layout({ ...options, csrfToken: req.adminSession!.csrfToken, place: placeOf(res) }, body));
}

/** A time as a <time> element, in UTC to the second. */
export function when(iso: string | Date | undefined): SafeHtml | string {
  if (!iso) return '—';
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  return html`<time datetime="${date.toISOString()}"
    >${date
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')}</time
  >`;
}

export function stateCell(state: SyncState): SafeHtml {
  return html`<span class="state-${state}">${state}</span>`;
}
