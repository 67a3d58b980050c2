import { BridgeError } from '../errors/bridge-error';

/**
 * Every failure of a Secret Server call, sorted once (here) into retryable and permanent.
 * Workers rethrow retryable errors so BullMQ retries them (honouring retryAfterMs), and turn
 * permanent ones into UnrecoverableError. The client itself never retries.
 *
 * They extend BridgeError so that, should one ever reach the HTTP error mapping, it becomes a
 * 503 (retryable, with Retry-After) or a 502 (permanent): Secret Server's status is an upstream
 * status, kept in `status`, never echoed as ours.
 */

/** The exact body message Secret Server sends with its 403 for an expired or unknown token (DelineaXPM/delinea-tools api/client.go). */
export const EXPIRED_TOKEN_MESSAGE = 'Authentication failed or expired token.';

/** errorCode of the deliberate anti-enumeration 400 for absent or forbidden objects (DelineaXPM/terraform-provider-tss delinea/sdk_errors.go). */
export const ACCESS_DENIED_ERROR_CODE = 'API_AccessDenied';

export type SecretServerFailureKind =
  | 'http' // an HTTP status that means failure
  | 'network' // no answer: ECONNREFUSED, ECONNRESET, DNS, TLS...
  | 'timeout'
  | 'html' // a 200 whose body is HTML or otherwise not JSON (DelineaXPM/python-tss-sdk delinea/secrets/server.py)
  | 'circuit-open'
  | 'auth'; // the token grant was refused, or a fresh token was refused again

export interface SecretServerErrorDetails {
  /** Endpoint template, e.g. 'GET /api/v1/users/{id}'. */
  endpoint: string;
  /** Secret Server's HTTP status; undefined when no answer arrived. */
  status?: number;
  errorCode?: string;
  /** `message` of Secret Server's error body, when it had one. */
  vendorMessage?: string;
  /** `modelState` of a validation 400. */
  modelState?: Record<string, string[]>;
  retryAfterMs?: number;
  kind?: SecretServerFailureKind;
}

export abstract class SecretServerError extends BridgeError {
  override name = 'SecretServerError';
  abstract readonly retryable: boolean;
  readonly endpoint: string;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly vendorMessage: string | undefined;
  readonly modelState: Record<string, string[]> | undefined;
  readonly retryAfterMs: number | undefined;
  readonly kind: SecretServerFailureKind;

  protected constructor(message: string, details: SecretServerErrorDetails, bridgeStatus: number, headers: Record<string, string> = {}) {
    super(message, bridgeStatus, undefined, headers);
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.vendorMessage = details.vendorMessage;
    this.modelState = details.modelState;
    this.retryAfterMs = details.retryAfterMs;
    this.kind = details.kind ?? 'http';
  }
}

/** 408, 429, 5xx, transport failures, timeouts, HTML-with-200, open circuit: try again later. */
export class SecretServerRetryableError extends SecretServerError {
  override name = 'SecretServerRetryableError';
  readonly retryable = true;
  constructor(message: string, details: SecretServerErrorDetails) {
    const headers: Record<string, string> =
      details.retryAfterMs !== undefined ? { 'Retry-After': String(Math.max(1, Math.ceil(details.retryAfterMs / 1000))) } : {};
    super(message, details, 503, headers);
  }
}

/** The per-process circuit breaker is open: the call was not made. */
export class SecretServerCircuitOpenError extends SecretServerRetryableError {
  override name = 'SecretServerCircuitOpenError';
  constructor(endpoint: string, retryAfterMs: number) {
    super(`Secret Server circuit is open; ${endpoint} was not attempted`, { endpoint, retryAfterMs, kind: 'circuit-open' });
  }
}

/** Any other 4xx: the same call will fail the same way. */
export class SecretServerPermanentError extends SecretServerError {
  override name = 'SecretServerPermanentError';
  readonly retryable = false;
  constructor(message: string, details: SecretServerErrorDetails) {
    super(message, details, 502);
  }
}

/** A 403 that is not the expired-token answer: the API account lacks a permission. */
export class SecretServerPermissionError extends SecretServerPermanentError {
  override name = 'SecretServerPermissionError';
}

/**
 * 400 with errorCode API_AccessDenied: the id is absent *or* forbidden (deliberate
 * anti-enumeration, DelineaXPM/terraform-provider-tss delinea/sdk_errors.go). Do not take it as proof of absence: confirm with a search.
 */
export class SecretServerAccessDeniedError extends SecretServerPermanentError {
  override name = 'SecretServerAccessDeniedError';
}

/**
 * 405: this server's Web API lacks the method on that route (older versions have no PATCH on
 * groups or memberships). A capability gap, never a failure of the change: callers fall back.
 */
export class SecretServerMethodNotAllowedError extends SecretServerPermanentError {
  override name = 'SecretServerMethodNotAllowedError';
}

/**
 * 404: Secret Server's API itself answers 400 API_AccessDenied for absent objects; a 404 comes from
 * Platform vault routing or a proxy (delinea/tss-sdk-go `server/server.go` comments). Treat it like
 * API_AccessDenied on an id (read back), or as a missing route (fall back).
 */
export class SecretServerNotFoundError extends SecretServerPermanentError {
  override name = 'SecretServerNotFoundError';
}

/** Secret Server refused a disable, delete or membership change, and reading back confirmed nothing changed. */
export class SecretServerRefusedError extends SecretServerPermanentError {
  override name = 'SecretServerRefusedError';
}

/**
 * The Secret Server account is one the bridge must never claim (an application account, the API
 * account itself, one on SS_PROTECTED_USERS, or one whose email belongs to someone else). No call
 * was made; the SCIM user needs another email or userName.
 */
export class SecretServerAccountNotClaimableError extends SecretServerPermanentError {
  override name = 'SecretServerAccountNotClaimableError';
  constructor(
    message: string,
    readonly secretServerUserId: number,
    /** Set when the account is protected (claimable-accounts.ts says why); unset when it is someone else's by email. */
    readonly protectedReason?: string,
  ) {
    super(message, { endpoint: 'n/a' });
  }
}

/** Another directory that targets the same Secret Server linked the account first (directories/account-owners.ts). */
export class SecretServerAccountOwnedElsewhereError extends SecretServerAccountNotClaimableError {
  override name = 'SecretServerAccountOwnedElsewhereError';
  constructor(
    message: string,
    secretServerUserId: number,
    /** The directory that owns the account. */
    readonly owner: string,
  ) {
    super(message, secretServerUserId);
  }
}

/** The Delinea Platform tenant answered, but has no default active Secret Server vault. */
export class SecretServerVaultNotFoundError extends SecretServerPermanentError {
  override name = 'SecretServerVaultNotFoundError';
}

/** The token grant was refused (wrong credentials, locked account). Not retried: failed logins lock accounts. */
export class SecretServerAuthenticationError extends SecretServerPermanentError {
  override name = 'SecretServerAuthenticationError';
}

/** API_AccessDenied or a 404: the object is absent or forbidden; only reading back tells which. */
export function isAbsentOrForbidden(err: unknown): err is SecretServerAccessDeniedError | SecretServerNotFoundError {
  return err instanceof SecretServerAccessDeniedError || err instanceof SecretServerNotFoundError;
}

export function isSecretServerError(err: unknown): err is SecretServerError {
  return err instanceof SecretServerError;
}

export function isRetryableSecretServerError(err: unknown): err is SecretServerRetryableError {
  return err instanceof SecretServerError && err.retryable;
}
