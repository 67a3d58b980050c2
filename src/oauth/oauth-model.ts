import {
  InvalidGrantError,
  type AuthorizationCode,
  type AuthorizationCodeModel,
  type Client,
  type RefreshToken,
  type RefreshTokenModel,
  type Token,
  type User,
} from '@node-oauth/oauth2-server';
import type { Logger } from '../logging/logger';
import type { OAuthClients } from './oauth-clients';
import type { OAuthClientRecord, OAuthStore } from './oauth-store';
import { ACCESS_TOKEN_PREFIX, CODE_PREFIX, randomSecret, REFRESH_TOKEN_PREFIX, sha256Hex } from './oauth-secrets';

/** Seconds. */
export interface OAuthLifetimes {
  /** An authorization code; RFC 6749 §4.1.2 recommends at most 10 minutes. */
  codeSeconds: number;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  /** How long an approval page waits for the admin (sign-in included). */
  approvalSeconds: number;
}

export const DEFAULT_OAUTH_LIFETIMES: OAuthLifetimes = {
  codeSeconds: 5 * 60,
  accessTokenSeconds: 3600,
  refreshTokenSeconds: 30 * 86_400,
  approvalSeconds: 10 * 60,
};

/** The only grants a client may use: Okta's authorization-code flow and its refreshes. */
export const CLIENT_GRANTS = ['authorization_code', 'refresh_token'];

/** Who approved: the console admin, and the grant (one approval) every token descends from. */
export interface GrantUser extends User {
  id: 'console-admin';
  grantId: string;
}

export interface OAuthModelOptions {
  lifetimes: OAuthLifetimes;
  /** ms since epoch; tests inject one to move time. */
  clock: () => number;
  logger: Logger;
}

/**
 * The @node-oauth/oauth2-server model (https://node-oauthoauth2-server.readthedocs.io/en/master/model/spec.html)
 * on OAuthStore. The library runs the protocol; this decides what is stored and when it is dead:
 * - a code is used once; presenting a used one again ends its grant (RFC 6749 §4.1.2: "SHOULD
 *   revoke (when possible) all tokens previously issued based on that authorization code");
 * - a refresh token is rotated on every use; presenting a rotated one again ends its grant, every
 *   access and refresh token descended from the approval (RFC 9700 §4.14.2, refresh token rotation);
 * - expiry is checked against the injected clock as well as the library's, and each key has a TTL.
 * Two model objects share this code: the authorize side looks a client up by id, the token side
 * only ever by id and secret (see getClient).
 */
export class OAuthModel {
  constructor(
    private readonly store: OAuthStore,
    private readonly clients: OAuthClients,
    private readonly options: OAuthModelOptions,
  ) {}

  /** For /oauth2/authorize: the client by id (the library then checks the redirect URI). */
  authorizeModel(): AuthorizationCodeModel {
    return { ...this.common(), getClient: async (clientId: string) => toClient(await this.clients.find(clientId)) };
  }

  /**
   * For /oauth2/token: a client is found only with its secret. The library would look a client up
   * by id alone for a PKCE exchange (it treats PKCE as a public client's proof); these clients are
   * confidential and always authenticate (RFC 6749 §3.2.1).
   */
  tokenModel(): AuthorizationCodeModel & RefreshTokenModel {
    return {
      ...this.common(),
      getClient: async (clientId: string, clientSecret: string | undefined | null) =>
        typeof clientSecret === 'string' && clientSecret !== '' ? toClient(await this.clients.authenticate(clientId, clientSecret)) : false,
      getRefreshToken: (refreshToken: string) => this.getRefreshToken(refreshToken),
      revokeToken: (token: RefreshToken | Token) => this.revokeRefreshToken(token),
    };
  }

  private common(): Omit<AuthorizationCodeModel, 'getClient'> {
    return {
      generateAuthorizationCode: async () => randomSecret(CODE_PREFIX),
      generateAccessToken: async () => randomSecret(ACCESS_TOKEN_PREFIX),
      generateRefreshToken: async () => randomSecret(REFRESH_TOKEN_PREFIX),
      saveAuthorizationCode: (code, client, user) => this.saveAuthorizationCode(code, client, user),
      getAuthorizationCode: (code) => this.getAuthorizationCode(code),
      revokeAuthorizationCode: (code) => this.revokeAuthorizationCode(code),
      saveToken: (token, client, user) => this.saveToken(token, client, user as GrantUser),
      getAccessToken: async () => false,
    };
  }

  private now(): number {
    return this.options.clock();
  }

  private async saveAuthorizationCode(
    code: Pick<AuthorizationCode, 'authorizationCode' | 'expiresAt' | 'redirectUri' | 'scope' | 'codeChallenge' | 'codeChallengeMethod'>,
    client: Client,
    user: User,
  ): Promise<AuthorizationCode> {
    const { lifetimes } = this.options;
    const grantId = randomSecret('').slice(0, 22);
    const expiresAt = this.now() + lifetimes.codeSeconds * 1000;
    await this.store.saveCode(
      sha256Hex(code.authorizationCode),
      {
        clientId: client.id,
        grantId,
        redirectUri: code.redirectUri,
        scope: (code.scope ?? []).join(' '),
        codeChallenge: code.codeChallenge ?? '',
        codeChallengeMethod: code.codeChallengeMethod ?? '',
        expiresAt,
      },
      lifetimes.codeSeconds * 1000,
      lifetimes.refreshTokenSeconds * 1000,
    );
    return { ...code, expiresAt: new Date(expiresAt), client, user: { ...user, grantId } };
  }

  private async getAuthorizationCode(presented: string): Promise<AuthorizationCode | false> {
    if (!presented.startsWith(CODE_PREFIX)) return false;
    const record = await this.store.getCode(sha256Hex(presented));
    if (!record) return false;
    if (record.usedAt !== undefined) {
      await this.endGrant(record.grantId, 'an authorization code was presented again');
      return false;
    }
    if (record.expiresAt <= this.now()) return false;
    const client = toClient(await this.clients.find(record.clientId));
    if (!client) return false;
    return {
      authorizationCode: presented,
      expiresAt: new Date(record.expiresAt),
      redirectUri: record.redirectUri,
      scope: scopeList(record.scope),
      client,
      user: grantUser(record.grantId),
      ...(record.codeChallenge ? { codeChallenge: record.codeChallenge, codeChallengeMethod: record.codeChallengeMethod } : {}),
    };
  }

  /** The library calls this before it checks PKCE and the redirect URI, so a failed exchange spends the code too. */
  private async revokeAuthorizationCode(code: AuthorizationCode): Promise<boolean> {
    const first = await this.store.markCodeUsed(sha256Hex(code.authorizationCode), this.now(), this.options.lifetimes.refreshTokenSeconds * 1000);
    if (!first) await this.endGrant((code.user as GrantUser).grantId, 'an authorization code was exchanged twice at once');
    return first;
  }

  private async saveToken(token: Token, client: Client, user: GrantUser): Promise<Token> {
    const { lifetimes } = this.options;
    const now = this.now();
    const scope = (token.scope ?? []).join(' ');
    const accessExpiresAt = now + lifetimes.accessTokenSeconds * 1000;
    const refreshExpiresAt = now + lifetimes.refreshTokenSeconds * 1000;
    const base = { clientId: client.id, grantId: user.grantId, scope };
    const saved = await this.store.saveTokens(
      user.grantId,
      { hash: sha256Hex(token.accessToken), record: { ...base, expiresAt: accessExpiresAt } },
      token.refreshToken ? { hash: sha256Hex(token.refreshToken), record: { ...base, expiresAt: refreshExpiresAt } } : undefined,
      now,
      lifetimes.refreshTokenSeconds * 1000,
    );
    if (!saved) throw new InvalidGrantError('Invalid grant: this authorization was revoked');
    return {
      ...token,
      accessTokenExpiresAt: new Date(accessExpiresAt),
      ...(token.refreshToken ? { refreshTokenExpiresAt: new Date(refreshExpiresAt) } : {}),
      client,
      user,
    };
  }

  private async getRefreshToken(presented: string): Promise<RefreshToken | false> {
    if (!presented.startsWith(REFRESH_TOKEN_PREFIX)) return false;
    const record = await this.store.getRefreshToken(sha256Hex(presented));
    if (!record) return false;
    if (record.rotatedAt !== undefined) {
      await this.endGrant(record.grantId, 'a rotated refresh token was presented again');
      return false;
    }
    if (record.expiresAt <= this.now()) return false;
    const client = toClient(await this.clients.find(record.clientId));
    if (!client) return false;
    return {
      refreshToken: presented,
      refreshTokenExpiresAt: new Date(record.expiresAt),
      scope: scopeList(record.scope),
      client,
      user: grantUser(record.grantId),
    };
  }

  /** Rotation: the old refresh token is marked, not deleted, so its reuse is recognised later. */
  private async revokeRefreshToken(token: RefreshToken | Token): Promise<boolean> {
    if (!token.refreshToken) return false;
    const first = await this.store.markRefreshRotated(sha256Hex(token.refreshToken), this.now());
    if (!first) await this.endGrant((token.user as GrantUser).grantId, 'a refresh token was exchanged twice at once');
    return first;
  }

  /** Ends a grant and says so: a replay is either an attacker or a client that lost a response. */
  async endGrant(grantId: string, reason: string): Promise<void> {
    const removed = await this.store.revokeGrant(grantId, this.options.lifetimes.refreshTokenSeconds * 1000);
    this.options.logger.warn(`OAuth grant revoked: ${reason}`, { category: 'auth', surface: 'oauth', grantId, tokensRemoved: removed });
  }
}

function toClient(record: OAuthClientRecord | undefined): Client | false {
  if (!record) return false;
  return { id: record.id, name: record.name, redirectUris: record.redirectUris, grants: CLIENT_GRANTS };
}

function grantUser(grantId: string): GrantUser {
  return { id: 'console-admin', grantId };
}

function scopeList(scope: string): string[] | undefined {
  return scope === '' ? undefined : scope.split(' ');
}
