import type { NextFunction, Request, Response } from 'express';
import { TooManyRequestsError, UnauthorizedError } from '../errors/bridge-error';
import type { Logger } from '../logging/logger';
import type { AuthFailureStore } from '../store/auth-failure-store';

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

/** Bearer auth for a surface, with failed attempts throttled per client (429 + Retry-After). */
export function bearerAuth(verifier: TokenVerifier, failures: AuthFailureStore, failLimit: number, logger: Logger, surface: string) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      const client = req.ip ?? 'unknown';
      const token = presentedToken(req.header('authorization'));
      // Both reads leave in one Redis round trip (auto-pipelining); the throttle is still decided
      // first, so a throttled client learns nothing from a right guess.
      const [{ failures: count, resetsInSeconds }, verified] = await Promise.all([
        failures.current(`${surface}:${client}`),
        token ? verifier.verify(token) : Promise.resolve(null),
      ]);
      if (failLimit > 0 && count >= failLimit) {
        throw new TooManyRequestsError('Too many failed authentication attempts; retry later', resetsInSeconds);
      }
      if (!verified) {
        await failures.recordFailure(`${surface}:${client}`);
        logger.warn('authentication failed', { category: 'auth', requestId: req.requestId, surface, client });
        throw new UnauthorizedError(token ? 'The bearer token is not valid' : 'Missing bearer token in the Authorization header');
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
