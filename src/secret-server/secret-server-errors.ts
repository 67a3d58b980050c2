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

/** The exact body message Secret Server sends with its 403 for an expired or unknown token (§1.3). */
export const EXPIRED_TOKEN_MESSAGE = 'Authentication failed or expired token.';

/** errorCode of the deliberate anti-enumeration 400 for absent or forbidden objects (§2.3). */
export const ACCESS_DENIED_ERROR_CODE = 'API_AccessDenied';

/**
 * The message the simulator answers for a duplicate userName on POST /api/v1/users. The real
 * wording is not documented (reference §3.6), so recognition below is deliberately loose.
 */
export const DUPLICATE_USER_NAME_MESSAGE = 'A user with this user name already exists.';
export const DUPLICATE_USER_NAME_ERROR_CODE = 'API_DuplicateUserName';

const DUPLICATE_USER_NAME_PATTERN =
  /(user\s*-?\s*name|login)\b[^.]{0,80}\b(already (exists|in use|taken)|is (already )?(in use|taken|not unique))|duplicate\s+user\s*-?\s*name/i;

/** True when a 400 answer to POST /api/v1/users says the userName is taken. */
export function isDuplicateUserNameMessage(message: string | undefined, errorCode?: string): boolean {
  if (errorCode && errorCode.toLowerCase() === DUPLICATE_USER_NAME_ERROR_CODE.toLowerCase()) return true;
  return typeof message === 'string' && DUPLICATE_USER_NAME_PATTERN.test(message);
}

export type SecretServerFailureKind =
  | 'http' // an HTTP status that means failure
  | 'network' // no answer: ECONNREFUSED, ECONNRESET, DNS, TLS...
  | 'timeout'
  | 'html' // a 200 whose body is HTML or otherwise not JSON (reference §2.3 quirk)
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
 * anti-enumeration, reference §2.3). Do not take it as proof of absence: confirm with a search.
 */
export class SecretServerAccessDeniedError extends SecretServerPermanentError {
  override name = 'SecretServerAccessDeniedError';
}

/** 400 on POST /api/v1/users because the userName exists (possibly as a disabled user). */
export class SecretServerDuplicateUserNameError extends SecretServerPermanentError {
  override name = 'SecretServerDuplicateUserNameError';
}

/** The token grant was refused (wrong credentials, locked account). Not retried: failed logins lock accounts. */
export class SecretServerAuthenticationError extends SecretServerPermanentError {
  override name = 'SecretServerAuthenticationError';
}

export function isSecretServerError(err: unknown): err is SecretServerError {
  return err instanceof SecretServerError;
}

export function isRetryableSecretServerError(err: unknown): err is SecretServerRetryableError {
  return err instanceof SecretServerError && err.retryable;
}
