import type { TokenVerifier } from '../http/auth-middleware';
import type { OAuthStore } from './oauth-store';
import { ACCESS_TOKEN_PREFIX, sha256Hex } from './oauth-secrets';

/**
 * Accepts an OAuth access token (from /oauth2/token) as `Authorization: Bearer <token>` on
 * /scim/v2. One Redis read by the token's SHA-256; expired (by the injected clock, whatever the
 * key's TTL says) or unknown is null, and bearerAuth answers 401 and counts the failure.
 */
export class OAuthAccessTokenVerifier implements TokenVerifier {
  constructor(
    private readonly store: OAuthStore,
    private readonly clock: () => number = Date.now,
  ) {}

  async verify(presented: string): Promise<{ tokenId: string } | null> {
    // The prefix is public: anything without it cannot be ours, and need not cost a Redis call.
    if (!presented.startsWith(ACCESS_TOKEN_PREFIX)) return null;
    const record = await this.store.getAccessToken(sha256Hex(presented));
    if (!record || record.expiresAt <= this.clock()) return null;
    return { tokenId: `oauth:${record.clientId}` };
  }
}
