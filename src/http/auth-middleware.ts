import type { NextFunction, Request, Response } from 'express';
import { TooManyRequestsError, UnauthorizedError } from '../errors/bridge-error';
import type { Logger } from '../logging/logger';
import type { AuthFailureStore } from '../store/auth-failure-store';
import { clientAddress } from './client-address';

export interface TokenVerifier {
  verify(presented: string): Promise<{ tokenId: string } | null>;
}

/**
 * Reads the credential from Authorization: `Bearer <t>` with any casing of the scheme, or the bare
 * token, which is what Okta's Header Auth app sends when the admin leaves "Bearer" out.
 */
export function presentedToken(header: string | undefined): string | null {
  if (!header) return null;
  const trimmed = header.trim();
  const match = /^bearer\s+(.+)$/i.exec(trimmed);
  const token = match ? match[1].trim() : trimmed;
  if (token === '' || /\s/.test(token) || token.length > 512) return null;
  return token;
}

/**
 * Bearer auth for a surface, with failed attempts throttled per client address (429 +
 * Retry-After). A valid credential is never refused by the counter, so nobody can lock Okta out by
 * sending bad tokens from its address; only the failures count, and past the limit they get 429.
 */
export function bearerAuth(verifier: TokenVerifier, failures: AuthFailureStore, failLimit: number, logger: Logger, surface: string) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      const token = presentedToken(req.header('authorization'));
      if (token && (await verifier.verify(token))) return next();
      const client = clientAddress(req);
      const { failures: count, resetsInSeconds } = await failures.recordFailure(`${surface}:${client}`);
      if (failLimit > 0 && count > failLimit) {
        throw new TooManyRequestsError('Too many failed authentication attempts; retry later', resetsInSeconds);
      }
      logger.warn('authentication failed', { category: 'auth', requestId: req.requestId, surface, client });
      throw new UnauthorizedError(token ? 'The bearer token is not valid' : 'Missing bearer token in the Authorization header');
    } catch (err) {
      next(err);
    }
  };
}
