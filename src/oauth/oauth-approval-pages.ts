import express, { type Request, type Response, type Router } from 'express';
import { CONSOLE_CSP, csrfField, html, layout, sendPage } from '../http/console/console-html';
import type { OAuthService, PendingApproval } from './oauth-service';

/** Where /oauth2/authorize sends the browser; under /admin, where the console's session cookie goes. */
export const APPROVAL_PATH = '/admin/oauth2/approve';

/**
 * The approval page, a console page (mounted under the console's pages at /oauth2): only a
 * signed-in admin reaches it, and admin-surface.ts has checked the CSRF token of the POST before
 * it runs. It shows who asks and where the answer goes; Approve or Deny answer it once.
 */
export function oauthApprovalPages(oauth: OAuthService): Router {
  const router = express.Router();
  const csrf = (req: Request) => req.adminSession!.csrfToken;

  router.get('/approve/:id', async (req, res) => {
    const pending = await oauth.pendingApproval(String(req.params.id));
    if (!pending) return gone(req, res);
    const target = new URL(pending.redirectUri);
    // The form's POST is answered with a redirect to the client: the page's form-action must
    // allow that origin too, or the browser stops the redirect (CSP Level 3, form-action).
    const policy = CONSOLE_CSP.replace("form-action 'self'", `form-action 'self' ${target.origin}`);
    sendPage(res, 200, approvalPage(req, pending, target, csrf(req)), policy);
  });

  router.post('/approve/:id', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.decision !== 'approve' && body.decision !== 'deny') return gone(req, res, 'Choose Approve or Deny.');
    const outcome = await oauth.answerApproval(String(req.params.id), body.decision === 'approve');
    if (outcome.kind === 'refuse') {
      return sendPage(
        res,
        outcome.status,
        layout({ title: 'Authorization', csrfToken: csrf(req), problem: outcome.message }, html`<p><a href="/admin">Back to the overview</a></p>`),
      );
    }
    res.redirect(303, outcome.location);
  });
  return router;
}

function gone(req: Request, res: Response, problem = 'This approval has expired or was already answered. Start again from Okta (Authenticate).'): void {
  sendPage(
    res,
    404,
    layout({ title: 'Authorization', csrfToken: req.adminSession!.csrfToken, problem }, html`<p><a href="/admin">Back to the overview</a></p>`),
  );
}

function approvalPage(req: Request, pending: PendingApproval, target: URL, csrfToken: string) {
  const action = `${APPROVAL_PATH}/${String(req.params.id)}`;
  return layout(
    { title: 'Allow access to SCIM provisioning?', csrfToken },
    html`<p>
        The OAuth client <strong>${pending.clientName}</strong> (<code>${pending.clientId}</code>) asks for an access token to <code>/scim/v2</code>: it will
        create, change and deactivate users and groups here, as Okta's provisioning does.
      </p>
      <p>The answer goes to <strong>${target.host}</strong> (<code>${pending.redirectUri}</code>).</p>
      ${pending.scope ? html`<p>Scope asked for: <code>${pending.scope}</code></p>` : ''}
      <form method="post" action="${action}" class="inline">
        ${csrfField(csrfToken)}<input type="hidden" name="decision" value="approve" /><button type="submit">Approve</button>
      </form>
      <form method="post" action="${action}" class="inline">
        ${csrfField(csrfToken)}<input type="hidden" name="decision" value="deny" /><button type="submit">Deny</button>
      </form>`,
  );
}
