import type { NextFunction, Request, Response } from 'express';
import type { AuthScheme } from '../config/auth-schemes';
import { TooManyRequestsError, UnauthorizedError } from '../errors/bridge-error';
import type { Logger } from '../logging/logger';
import type { AuthFailureStore } from '../store/auth-failure-store';
import { clientAddress } from './client-address';

export interface TokenVerifier {
  verify(presented: string): Promise<{ tokenId: string } | null>;
}

export interface BasicVerifier {
  verifyBasic(username: string, password: string): Promise<{ tokenId: string } | null>;
}

/** Who checks what, per Authorization scheme. A scheme with no verifier is refused, whatever it carries. */
export interface CredentialVerifiers {
  /** Tried in order for `Bearer` (and a bare token); the first that knows the token lets it in. */
  bearer: TokenVerifier[];
  basic?: BasicVerifier;
}

/** What one Authorization header presents. */
export type PresentedCredential =
  { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string } | { kind: 'malformed-basic' };

const REALM = 'scim-bridge';
/** The longest credential read, encoded; the generated ones are far shorter. */
const MAX_CREDENTIAL_LENGTH = 512;
/** RFC 4648 §4 base64, padded, as RFC 7617 §2 asks. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Reads the credential from Authorization: `Bearer <t>` with any casing of the scheme, or the bare
 * token, which is what Okta's Header Auth app sends when the admin leaves "Bearer" out.
 */
export function presentedToken(header: string | undefined): string | null {
  if (!header) return null;
  const trimmed = header.trim();
  const match = /^bearer\s+(.+)$/i.exec(trimmed);
  const token = match ? match[1].trim() : trimmed;
  if (token === '' || /\s/.test(token) || token.length > MAX_CREDENTIAL_LENGTH) return null;
  return token;
}

/**
 * Sorts an Authorization header: `Basic base64(username:password)` (RFC 7617 §2; the scheme name
 * in any case, RFC 9110 §11.1; UTF-8, §2.1), else a bearer token as presentedToken reads it, else
 * nothing. A Basic header that does not decode to a username, a colon and a password without
 * control characters is malformed.
 */
export function presentedCredential(header: string | undefined): PresentedCredential {
  const basic = /^\s*basic(?:\s+(.*?))?\s*$/i.exec(header ?? '');
  if (basic) return basicCredential(basic[1] ?? '');
  const token = presentedToken(header);
  return token ? { kind: 'bearer', token } : { kind: 'none' };
}

function basicCredential(encoded: string): PresentedCredential {
  if (encoded === '' || encoded.length > MAX_CREDENTIAL_LENGTH || !BASE64.test(encoded)) return { kind: 'malformed-basic' };
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    return { kind: 'malformed-basic' };
  }
  // The user-id cannot contain a colon, the password can (RFC 7617 §2): split at the first one.
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1 || CONTROL_CHARACTERS.test(decoded)) return { kind: 'malformed-basic' };
  return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The verifiers of the schemes SCIM_AUTH_SCHEMES enables: `bearer` is the stored tokens and
 * SCIM_TOKEN, `basic` the stored Basic credentials, `oauth` the OAuth 2.0 access tokens, which
 * arrive as Bearer too. A scheme left out gets no verifier, so even a valid credential of it is refused.
 */
export function enabledVerifiers(
  schemes: readonly AuthScheme[],
  available: { tokens: TokenVerifier & BasicVerifier; oauth?: TokenVerifier },
): CredentialVerifiers {
  const bearer: TokenVerifier[] = [];
  if (schemes.includes('bearer')) bearer.push(available.tokens);
  if (schemes.includes('oauth') && available.oauth) bearer.push(available.oauth);
  return { bearer, basic: schemes.includes('basic') ? available.tokens : undefined };
}

/**
 * Authentication for a surface, with failed attempts throttled per client address (429 +
 * Retry-After). A valid credential is never refused by the counter, so nobody can lock Okta out by
 * sending bad ones from its address; only the failures count, and past the limit they get 429.
 * Every failure, whatever the scheme and whatever was wrong, counts the same and gets the same 401,
 * whose WWW-Authenticate offers the schemes this surface accepts (RFC 9110 §11.6.1).
 */
export function credentialAuth(verifiers: CredentialVerifiers, failures: AuthFailureStore, failLimit: number, logger: Logger, surface: string) {
  const accepts = { bearer: verifiers.bearer.length > 0, basic: verifiers.basic !== undefined };
  const challenge = challengeOf(accepts);
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      const presented = presentedCredential(req.header('authorization'));
      if (await isValid(presented, verifiers)) return next();
      const client = clientAddress(req);
      const { failures: count, resetsInSeconds } = await failures.recordFailure(`${surface}:${client}`);
      if (failLimit > 0 && count > failLimit) {
        throw new TooManyRequestsError('Too many failed authentication attempts; retry later', resetsInSeconds);
      }
      logger.warn('authentication failed', { category: 'auth', requestId: req.requestId, surface, client, scheme: schemeOf(presented) });
      throw new UnauthorizedError(refusal(presented, accepts), challenge);
    } catch (err) {
      next(err);
    }
  };
}

/** credentialAuth with bearer tokens only (/admin and its ADMIN_TOKEN). */
export function bearerAuth(verifier: TokenVerifier, failures: AuthFailureStore, failLimit: number, logger: Logger, surface: string) {
  return credentialAuth({ bearer: [verifier] }, failures, failLimit, logger, surface);
}

async function isValid(presented: PresentedCredential, verifiers: CredentialVerifiers): Promise<boolean> {
  if (presented.kind === 'basic') return verifiers.basic !== undefined && (await verifiers.basic.verifyBasic(presented.username, presented.password)) !== null;
  if (presented.kind !== 'bearer') return false;
  for (const verifier of verifiers.bearer) {
    if (await verifier.verify(presented.token)) return true;
  }
  return false;
}

interface Accepted {
  bearer: boolean;
  basic: boolean;
}

/** One challenge per scheme accepted (RFC 6750 §3, RFC 7617 §2), comma-separated in one header (RFC 9110 §11.6.1). */
function challengeOf(accepts: Accepted): string {
  const challenges: string[] = [];
  if (accepts.bearer) challenges.push(`Bearer realm="${REALM}"`);
  if (accepts.basic) challenges.push(`Basic realm="${REALM}", charset="UTF-8"`);
  // Nothing accepted yet (SCIM_AUTH_SCHEMES=oauth before an OAuth verifier is wired): OAuth's tokens are Bearer ones.
  return challenges.join(', ') || `Bearer realm="${REALM}"`;
}

/*
 * A wrong Basic password and an unknown username get the same detail, so the answer never says
 * which usernames exist. The details name what is wrong with the request, never which stored
 * credential came close.
 */
function refusal(presented: PresentedCredential, accepts: Accepted): string {
  const offered = [accepts.bearer ? 'a bearer token' : '', accepts.basic ? 'Basic credentials' : ''].filter(Boolean).join(' or ') || 'another credential';
  switch (presented.kind) {
    case 'none':
      if (!accepts.basic) return 'Missing bearer token in the Authorization header';
      return `Missing ${accepts.bearer ? 'bearer token or Basic credentials' : 'Basic credentials'} in the Authorization header`;
    case 'bearer':
      return accepts.bearer ? 'The bearer token is not valid' : `Bearer authentication is not accepted here; send ${offered}`;
    case 'basic':
      return accepts.basic ? 'The username or password is not valid' : `Basic authentication is not accepted here; send ${offered}`;
    case 'malformed-basic':
      if (!accepts.basic) return `Basic authentication is not accepted here; send ${offered}`;
      return 'The Basic credentials are malformed: send the base64 of username:password (RFC 7617)';
  }
}

function schemeOf(presented: PresentedCredential): string {
  return presented.kind === 'malformed-basic' ? 'basic' : presented.kind;
}
