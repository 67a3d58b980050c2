/**
 * Okta's part of the OAuth 2.0 authorization-code flow, over plain fetch (redirects not followed,
 * so a test sees every Location): the authorization request, the admin's sign-in and approval in
 * the console, and the token endpoint.
 */
import crypto from 'node:crypto';
import { BROWSER_ACCEPT, consoleGet, consolePost, cookieFrom, csrfIn, SESSION_COOKIE } from './console-client';
import { TEST_ADMIN_TOKEN } from './bridge-harness';

export const OKTA_REDIRECT_URI = 'https://okta.example.test/admin/app/cpc/scim-bridge/oauth/callback';

/** A PKCE verifier and its S256 challenge (RFC 7636 §4.1, §4.2). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(params: Record<string, string>): string {
  return `/oauth2/authorize?${new URLSearchParams(params).toString()}`;
}

/**
 * The whole browser leg: the authorization request, a redirect to the console's approval page, a
 * sign-in there (the login's `next` brings the admin back), and Approve (or Deny). Returns the
 * final redirect to the client.
 */
export async function authorizeAsAdmin(
  base: string,
  params: Record<string, string>,
  options: { decision?: 'approve' | 'deny'; headers?: Record<string, string> } = {},
): Promise<{ location: URL; approvalPath: string }> {
  const headers = options.headers ?? {};
  const asked = await consoleGet(base, authorizeUrl(params), undefined, headers);
  if (asked.status !== 303 || !asked.location) throw new Error(`authorize answered ${asked.status}: ${asked.text.slice(0, 300)}`);
  const approvalPath = asked.location;
  const unsigned = await consoleGet(base, approvalPath, undefined, headers);
  if (unsigned.status !== 303) throw new Error(`approval page without a session answered ${unsigned.status}`);
  const loginPath = unsigned.location!;
  const next = new URL(loginPath, base).searchParams.get('next');
  const login = await consoleGet(base, loginPath, undefined, headers);
  if (!login.text.includes(`name="next" value="${next}"`)) throw new Error('the sign-in form does not carry the approval page as next');
  const signedIn = await consolePost(base, '/admin/login', { token: TEST_ADMIN_TOKEN, next: next! }, undefined, headers);
  if (signedIn.location !== approvalPath) throw new Error(`sign-in went to ${signedIn.location}, not back to the approval`);
  const cookie = `${SESSION_COOKIE}=${cookieFrom(signedIn.setCookies, SESSION_COOKIE)}`;
  const page = await consoleGet(base, approvalPath, cookie, headers);
  if (page.status !== 200) throw new Error(`approval page answered ${page.status}`);
  const answered = await consolePost(base, approvalPath, { _csrf: csrfIn(page.text), decision: options.decision ?? 'approve' }, cookie, headers);
  if (answered.status !== 303 || !answered.location) throw new Error(`approval answered ${answered.status}: ${answered.text.slice(0, 300)}`);
  return { location: new URL(answered.location), approvalPath };
}

export interface TokenResponse {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

/** POST /oauth2/token, the client authenticating with HTTP Basic (RFC 6749 §2.3.1) unless `basic` is false. */
export async function tokenRequest(
  base: string,
  client: { id: string; secret: string },
  fields: Record<string, string>,
  options: { basic?: boolean; headers?: Record<string, string> } = {},
): Promise<TokenResponse> {
  const basic = options.basic ?? true;
  const body = basic ? fields : { ...fields, client_id: client.id, client_secret: client.secret };
  const response = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      ...(basic ? { Authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}` } : {}),
      ...options.headers,
    },
    body: new URLSearchParams(body).toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

export { BROWSER_ACCEPT };
