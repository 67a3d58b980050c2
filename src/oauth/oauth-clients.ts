import crypto from 'node:crypto';
import { BadRequestError, NotFoundError } from '../errors/bridge-error';
import type { OAuthClientRecord, OAuthStore } from './oauth-store';
import { redirectUriProblem } from './redirect-uri';
import { randomSecret, sha256Hex } from './oauth-secrets';

/** A client as listed to operators: everything but the secret's hash. */
export type OAuthClientSummary = Omit<OAuthClientRecord, 'secretHash'>;

/** A client just registered. `clientSecret` exists only here: it is shown once and never stored. */
export interface RegisteredClient extends OAuthClientSummary {
  clientSecret: string;
}

export const CLIENT_SECRET_PREFIX = 'scbcs_';
const MAX_NAME_LENGTH = 100;
const MAX_REDIRECT_URIS = 10;

/**
 * The OAuth clients the operator registers (`oauth client create`): Okta's app, with the redirect
 * URIs Okta will send the admin's browser back to. Confidential clients only (RFC 6749 §2.1): each
 * has a secret, presented at the token endpoint.
 */
export class OAuthClients {
  constructor(
    private readonly store: OAuthStore,
    private readonly clock: () => number = Date.now,
  ) {}

  async create(name: string, redirectUris: string[]): Promise<RegisteredClient> {
    const cleanName = validName(name);
    if (redirectUris.length === 0) throw new BadRequestError('at least one redirect URI is required');
    if (redirectUris.length > MAX_REDIRECT_URIS) throw new BadRequestError(`at most ${MAX_REDIRECT_URIS} redirect URIs`);
    for (const uri of redirectUris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new BadRequestError(`invalid redirect URI "${uri}": ${problem}`);
    }
    const clientSecret = randomSecret(CLIENT_SECRET_PREFIX);
    const record: OAuthClientRecord = {
      id: '',
      name: cleanName,
      redirectUris: [...new Set(redirectUris)],
      secretHash: sha256Hex(clientSecret),
      createdAt: new Date(this.clock()).toISOString(),
    };
    // 96 random bits: a collision is near impossible, but the store refuses one rather than overwrite.
    for (let attempt = 0; attempt < 3; attempt++) {
      record.id = 'scbc_' + crypto.randomBytes(12).toString('hex');
      if (await this.store.createClient(record)) return { ...toSummary(record), clientSecret };
    }
    throw new Error('could not allocate a client id');
  }

  async list(): Promise<OAuthClientSummary[]> {
    return (await this.store.listClients()).map(toSummary);
  }

  /** A live client by id, or undefined (unknown or revoked). */
  async find(id: string): Promise<OAuthClientRecord | undefined> {
    const record = await this.store.getClient(id);
    return record && !record.revokedAt ? record : undefined;
  }

  /** A live client whose secret matches, or undefined. The comparison is over fixed-length digests. */
  async authenticate(id: string, secret: string): Promise<OAuthClientRecord | undefined> {
    const record = await this.find(id);
    const presented = Buffer.from(sha256Hex(secret), 'hex');
    const stored = Buffer.from(record?.secretHash ?? '', 'hex');
    if (!record || stored.length !== presented.length || !crypto.timingSafeEqual(stored, presented)) return undefined;
    return record;
  }

  /**
   * Marks the client revoked (the record stays, so `client list` shows what happened) and returns
   * it; the caller ends its grants. Revoking twice changes nothing.
   */
  async markRevoked(id: string): Promise<{ client: OAuthClientSummary; alreadyRevoked: boolean }> {
    const record = await this.store.getClient(id);
    if (!record) throw new NotFoundError(`OAuth client ${id} not found`);
    if (record.revokedAt) return { client: toSummary(record), alreadyRevoked: true };
    record.revokedAt = new Date(this.clock()).toISOString();
    await this.store.saveClient(record);
    return { client: toSummary(record), alreadyRevoked: false };
  }
}

function toSummary(record: OAuthClientRecord): OAuthClientSummary {
  const { secretHash: _secretHash, ...summary } = record;
  return summary;
}

function validName(name: string): string {
  const trimmed = name.trim();
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (!trimmed || trimmed.length > MAX_NAME_LENGTH || /[\x00-\x1f\x7f]/.test(trimmed)) {
    throw new BadRequestError(`invalid client name: use 1 to ${MAX_NAME_LENGTH} printable characters`);
  }
  return trimmed;
}
