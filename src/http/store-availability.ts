import type { RequestHandler } from 'express';
import { StoreUnavailableError } from '../errors/bridge-error';

export interface StoreReadiness {
  isReady(): boolean;
  describe(): string;
}

/**
 * While Redis is known to be unreachable (at start-up, or lost since), SCIM requests are refused at
 * once with 503 and Retry-After (RFC 7644 §3.12; RFC 9110 §15.6.4 and §10.2.3) instead of waiting
 * for the store's command to fail: Okta retries a 503 later. The cause carried to the log is the
 * reachability's one-line description, not a stack.
 */
export function storeAvailability(store: StoreReadiness): RequestHandler {
  return (_req, _res, next) => {
    if (store.isReady()) return next();
    next(new StoreUnavailableError({ name: 'RedisUnreachable', message: store.describe() }));
  };
}
