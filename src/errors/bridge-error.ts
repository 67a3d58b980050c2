/**
 * The one error hierarchy. Every error that reaches a client is a BridgeError, mapped to the SCIM
 * error body (RFC 7644 §3.12) in exactly one place: http/error-middleware.ts.
 * Anything else becomes a 500 whose detail never echoes the original message, except a lost Redis
 * connection (errors/redis-unavailable.ts), which becomes a StoreUnavailableError.
 */
export type ScimType =
  'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

export class BridgeError extends Error {
  override name = 'BridgeError';
  constructor(
    message: string,
    readonly statusCode: number,
    readonly scimType?: ScimType,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class NotFoundError extends BridgeError {
  override name = 'NotFoundError';
  constructor(message = 'Resource not found') {
    super(message, 404);
  }
}

export class BadRequestError extends BridgeError {
  override name = 'BadRequestError';
  constructor(message: string, scimType: ScimType = 'invalidValue') {
    super(message, 400, scimType);
  }
}

export class InvalidFilterError extends BadRequestError {
  override name = 'InvalidFilterError';
  constructor(message: string) {
    super(message, 'invalidFilter');
  }
}

export class UniquenessError extends BridgeError {
  override name = 'UniquenessError';
  constructor(message: string) {
    super(message, 409, 'uniqueness');
  }
}

/** If-Match did not match, or a concurrent writer won (RFC 7644 §3.14). */
export class PreconditionFailedError extends BridgeError {
  override name = 'PreconditionFailedError';
  constructor(message = 'Resource version does not match') {
    super(message, 412);
  }
}

export class UnauthorizedError extends BridgeError {
  override name = 'UnauthorizedError';
  /** `challenge`: the WWW-Authenticate value, one challenge per scheme accepted (RFC 9110 §11.6.1). */
  constructor(message = 'Missing or invalid bearer token', challenge = 'Bearer realm="scim-bridge"') {
    super(message, 401, undefined, { 'WWW-Authenticate': challenge });
  }
}

export class TooManyRequestsError extends BridgeError {
  override name = 'TooManyRequestsError';
  constructor(message: string, retryAfterSeconds: number) {
    super(message, 429, undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
}

export class MethodNotAllowedError extends BridgeError {
  override name = 'MethodNotAllowedError';
  constructor(method: string) {
    super(`Method ${method} is not allowed on this endpoint`, 405);
  }
}

export class PayloadTooLargeError extends BridgeError {
  override name = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(`Request body exceeds the limit of ${limitBytes} bytes`, 413);
  }
}

/** Seconds a client should wait before retrying while the store is unreachable. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * Redis, where every SCIM request is answered from, cannot be reached: 503 + Retry-After
 * (RFC 9110 §15.6.4), so the client retries later. Nothing is half-applied: each write is one
 * atomic Lua script (store/resource-scripts.ts). The original error is the cause, logged, never echoed.
 */
export class StoreUnavailableError extends BridgeError {
  override name = 'StoreUnavailableError';
  constructor(cause: unknown) {
    super("The bridge's store is unavailable; retry later", 503, undefined, { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) });
    this.cause = cause;
  }
}
