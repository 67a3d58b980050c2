import type { IncomingHttpHeaders } from 'node:http';
import OAuth2Server, { OAuthError, Request as OAuthRequest, Response as OAuthResponse } from '@node-oauth/oauth2-server';
import type { Logger } from '../logging/logger';
import { OAuthAccessTokenVerifier } from './oauth-access-token-verifier';
import { OAuthClients, type OAuthClientSummary } from './oauth-clients';
import { DEFAULT_OAUTH_LIFETIMES, OAuthModel, type OAuthLifetimes } from './oauth-model';
import { randomSecret, sha256Hex } from './oauth-secrets';
import type { OAuthStore } from './oauth-store';

export interface OAuthServiceOptions {
  lifetimes?: Partial<OAuthLifetimes>;
  /** ms since epoch; tests inject one to move time. */
  clock?: () => number;
  logger: Logger;
}

/** What /oauth2/authorize does with a request. */
export type AuthorizeOutcome =
  /** Show an error page; never redirect (RFC 6749 §4.1.2.1: unknown client, unregistered redirect URI). */
  | { kind: 'refuse'; status: number; message: string }
  /** Send the browser back to the client with an error (RFC 6749 §4.1.2.1, the other errors). */
  | { kind: 'redirect'; location: string }
  /** Ask the admin: the approval page's id. */
  | { kind: 'approve'; approvalId: string };

/** An authorization request waiting for the admin's answer. */
export interface PendingApproval {
  clientId: string;
  clientName: string;
  redirectUri: string;
  /** Whether the request named redirect_uri (the token request must then repeat it, RFC 6749 §4.1.3). */
  redirectUriGiven: boolean;
  state?: string;
  scope?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

export interface TokenAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** The client did not authenticate (invalid_client): the caller counts it for throttling. */
  clientAuthFailed: boolean;
}

/** The parameters an authorization request may carry (RFC 6749 §4.1.1; RFC 7636 §4.3). */
const AUTHORIZE_PARAMETERS = ['response_type', 'client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method'];
/** RFC 7636 §4.2: 43 to 128 unreserved characters. */
const CODE_CHALLENGE_SHAPE = /^[A-Za-z0-9._~-]{43,128}$/;
/** RFC 6749 Appendix A.5: state is VSCHAR (printable ASCII). */
const STATE_SHAPE = /^[\x20-\x7e]{1,500}$/;
const APPROVAL_ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The OAuth 2.0 authorization server Okta's SCIM integration authenticates with (authorization
 * code grant with refresh tokens, RFC 6749 §4.1 and §6, PKCE per RFC 7636), on
 * @node-oauth/oauth2-server with a Redis model (oauth-model.ts). Its pieces: the clients the
 * operator registers, the approvals the console admin answers, the token endpoint, and the
 * verifier that accepts its access tokens on /scim/v2.
 */
export class OAuthService {
  readonly clients: OAuthClients;
  readonly accessTokens: OAuthAccessTokenVerifier;
  readonly lifetimes: OAuthLifetimes;
  private readonly model: OAuthModel;
  private readonly authorizeServer: OAuth2Server;
  private readonly tokenServer: OAuth2Server;
  private readonly clock: () => number;
  private readonly logger: Logger;

  constructor(
    private readonly store: OAuthStore,
    options: OAuthServiceOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger;
    this.lifetimes = { ...DEFAULT_OAUTH_LIFETIMES, ...options.lifetimes };
    this.clients = new OAuthClients(store, this.clock);
    this.accessTokens = new OAuthAccessTokenVerifier(store, this.clock);
    this.model = new OAuthModel(store, this.clients, { lifetimes: this.lifetimes, clock: this.clock, logger: this.logger });
    // enablePlainPKCE: RFC 7636 §4.2 allows "plain" and some clients send it; S256 is what Okta uses.
    const shared = { enablePlainPKCE: true, allowEmptyState: true };
    this.authorizeServer = new OAuth2Server({
      ...shared,
      model: this.model.authorizeModel(),
      authorizationCodeLifetime: this.lifetimes.codeSeconds,
    });
    this.tokenServer = new OAuth2Server({
      ...shared,
      model: this.model.tokenModel(),
      accessTokenLifetime: this.lifetimes.accessTokenSeconds,
      refreshTokenLifetime: this.lifetimes.refreshTokenSeconds,
      // Rotation (RFC 9700 §4.14.2): every refresh issues a new refresh token and retires the old one.
      alwaysIssueNewRefreshToken: true,
    });
  }

  /** Checks an authorization request and, when it is sound, keeps it for the admin to answer. */
  async startAuthorization(query: Record<string, unknown>): Promise<AuthorizeOutcome> {
    for (const name of AUTHORIZE_PARAMETERS) {
      if (query[name] !== undefined && typeof query[name] !== 'string') return refuse(`The parameter ${name} was given more than once.`);
    }
    const param = (name: string) => (typeof query[name] === 'string' && query[name] !== '' ? query[name] : undefined);
    const clientId = param('client_id');
    if (!clientId) return refuse('The request has no client_id.');
    const client = await this.clients.find(clientId);
    if (!client) return refuse(`No OAuth client "${clientId.slice(0, 100)}" is registered with this bridge (see: npm run oauth -- client list).`);
    const asked = param('redirect_uri');
    if (asked !== undefined && !client.redirectUris.includes(asked)) {
      return refuse(
        `The redirect URI "${asked.slice(0, 500)}" is not registered for client ${client.id} (${client.name}). ` +
          'Register a client with exactly this URI: npm run oauth -- client create --name <name> --redirect-uri <uri>.',
      );
    }
    if (asked === undefined && client.redirectUris.length !== 1) {
      return refuse(`Client ${client.id} has several redirect URIs, so the request must name one in redirect_uri (RFC 6749 §3.1.2.3).`);
    }
    const redirectUri = asked ?? client.redirectUris[0];
    const state = param('state');
    const back = (error: string, description: string) => ({ kind: 'redirect' as const, location: errorRedirect(redirectUri, error, description, state) });

    if (state !== undefined && !STATE_SHAPE.test(state)) return back('invalid_request', 'Invalid parameter: state');
    if (param('response_type') !== 'code') return back('unsupported_response_type', 'Only response_type=code is supported');
    const codeChallenge = param('code_challenge');
    const codeChallengeMethod = param('code_challenge_method');
    if (codeChallengeMethod !== undefined && !['S256', 'plain'].includes(codeChallengeMethod)) {
      return back('invalid_request', 'code_challenge_method must be S256 or plain');
    }
    if (codeChallengeMethod !== undefined && codeChallenge === undefined) return back('invalid_request', 'code_challenge_method without code_challenge');
    if (codeChallenge !== undefined && !CODE_CHALLENGE_SHAPE.test(codeChallenge)) return back('invalid_request', 'Invalid parameter: code_challenge');

    const pending: PendingApproval = {
      clientId: client.id,
      clientName: client.name,
      redirectUri,
      redirectUriGiven: asked !== undefined,
      state,
      scope: param('scope'),
      codeChallenge,
      codeChallengeMethod,
    };
    const approvalId = randomSecret('');
    await this.store.savePendingApproval(sha256Hex(approvalId), JSON.stringify(pending), this.lifetimes.approvalSeconds * 1000);
    return { kind: 'approve', approvalId };
  }

  /** The request an approval page shows, or undefined when it expired, was answered, or never was. */
  async pendingApproval(approvalId: string): Promise<PendingApproval | undefined> {
    if (!APPROVAL_ID_SHAPE.test(approvalId)) return undefined;
    const json = await this.store.getPendingApproval(sha256Hex(approvalId));
    return json ? (JSON.parse(json) as PendingApproval) : undefined;
  }

  /**
   * The admin's answer, once per approval: approve issues a one-time code bound to the client,
   * the redirect URI and the PKCE challenge (the library builds the redirect, RFC 6749 §4.1.2);
   * deny sends error=access_denied. Refused when the approval is gone or the client was revoked.
   */
  async answerApproval(approvalId: string, approved: boolean): Promise<Exclude<AuthorizeOutcome, { kind: 'approve' }>> {
    const json = APPROVAL_ID_SHAPE.test(approvalId) ? await this.store.takePendingApproval(sha256Hex(approvalId)) : undefined;
    if (!json) return { kind: 'refuse', status: 404, message: 'This approval has expired or was already answered. Start again from Okta (Authenticate).' };
    const pending = JSON.parse(json) as PendingApproval;
    if (!approved) {
      return { kind: 'redirect', location: errorRedirect(pending.redirectUri, 'access_denied', 'The administrator denied access', pending.state) };
    }
    const query: Record<string, string> = { response_type: 'code', client_id: pending.clientId, redirect_uri: pending.redirectUri };
    if (pending.state !== undefined) query.state = pending.state;
    if (pending.scope !== undefined) query.scope = pending.scope;
    if (pending.codeChallenge !== undefined) query.code_challenge = pending.codeChallenge;
    if (pending.codeChallengeMethod !== undefined) query.code_challenge_method = pending.codeChallengeMethod;
    const request = new OAuthRequest({ method: 'GET', headers: {}, query, body: {} });
    const response = new OAuthResponse();
    try {
      await this.authorizeServer.authorize(request, response, {
        authenticateHandler: { handle: () => ({ id: 'console-admin' }) },
      });
    } catch (err) {
      const location = response.get('location') as string | undefined;
      // An error the library could not send back to the client (the client is gone): a page.
      if (!location)
        return { kind: 'refuse', status: 400, message: err instanceof OAuthError && err.code < 500 ? err.message : 'The approval could not be completed.' };
      if (!(err instanceof OAuthError) || err.code >= 500) this.logger.error('OAuth approval failed', { category: 'auth', surface: 'oauth', err });
      return { kind: 'redirect', location };
    }
    return { kind: 'redirect', location: response.get('location') as string };
  }

  /** POST /oauth2/token (RFC 6749 §3.2, §4.1.3, §6), answered as §5.1 / §5.2 JSON. */
  async token(req: { headers: IncomingHttpHeaders; method: string; query: Record<string, unknown>; body: unknown }): Promise<TokenAnswer> {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const repeated = Object.keys(body).find((name) => typeof body[name] !== 'string');
    if (repeated) return tokenError(400, 'invalid_request', `The parameter ${repeated.slice(0, 50)} was given more than once`);
    const headers = Object.fromEntries(Object.entries(req.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    const request = new OAuthRequest({ method: req.method, headers, query: req.query as Record<string, string>, body });
    const response = new OAuthResponse();
    try {
      await this.tokenServer.token(request, response);
      return { status: 200, headers: stringHeaders(response.headers), body: response.body as Record<string, unknown>, clientAuthFailed: false };
    } catch (err) {
      const oauthError = err instanceof OAuthError ? err : undefined;
      if (!oauthError || oauthError.code >= 500) {
        // The library wraps our own failures (Redis unreachable) as server_error; the client
        // gets no detail, the log gets all of it.
        this.logger.error('OAuth token request failed', {
          category: 'auth',
          surface: 'oauth',
          err: (oauthError as { inner?: unknown } | undefined)?.inner ?? err,
        });
        return { ...tokenError(503, 'temporarily_unavailable', 'The token could not be issued; retry later'), headers: { 'Retry-After': '5' } };
      }
      return {
        status: oauthError.code,
        headers: stringHeaders(response.headers),
        body: { error: oauthError.name, error_description: oauthError.message },
        clientAuthFailed: oauthError.name === 'invalid_client',
      };
    }
  }

  /** Revokes a client and ends every grant it holds: its codes, access and refresh tokens stop working now. */
  async revokeClient(id: string): Promise<{ client: OAuthClientSummary; alreadyRevoked: boolean; grantsEnded: number }> {
    const result = await this.clients.markRevoked(id);
    const grants = await this.store.clientGrantIds(id);
    for (const grantId of grants) await this.model.endGrant(grantId, 'its client was revoked');
    return { ...result, grantsEnded: grants.length };
  }
}

function refuse(message: string): AuthorizeOutcome {
  return { kind: 'refuse', status: 400, message };
}

/** RFC 6749 §4.1.2.1: the error, its description and the state, added to the redirect URI's own query. */
function errorRedirect(redirectUri: string, error: string, description: string, state: string | undefined): string {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', description);
  if (state !== undefined) url.searchParams.set('state', state);
  return url.toString();
}

function tokenError(status: number, error: string, description: string): TokenAnswer {
  return { status, headers: { 'Cache-Control': 'no-store' }, body: { error, error_description: description }, clientAuthFailed: false };
}

function stringHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = { 'Cache-Control': 'no-store' };
  for (const [name, value] of Object.entries(headers ?? {})) if (typeof value === 'string') out[name] = value;
  return out;
}
