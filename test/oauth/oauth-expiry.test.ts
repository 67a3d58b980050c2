/**
 * OAuth lifetimes, on a clock the test moves: an expired code, access token and refresh token are
 * refused, the access token with the same 401 SCIM error body as a bad token. The app is built
 * from the same parts as the bridge's (createApp, the container, the OAuth router and approval
 * page), with an OAuthService on the injected clock; real HTTP, real Redis.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createContainer, type Container } from '../../src/container';
import { createSilentLogger } from '../../src/logging/logger';
import { oauthApprovalPages } from '../../src/oauth/oauth-approval-pages';
import { oauthRouter } from '../../src/oauth/oauth-router';
import { OAuthService } from '../../src/oauth/oauth-service';
import { OAuthStore } from '../../src/oauth/oauth-store';
import { redisKeys } from '../../src/store/redis-keys';
import { TEST_ADMIN_TOKEN } from '../support/bridge-harness';
import { authorizeAsAdmin, OKTA_REDIRECT_URI, pkcePair, tokenRequest } from '../support/oauth-client';
import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('oauth-expiry');
const MINUTE = 60_000;

describe('OAuth lifetimes', () => {
  const redis = connectRedis();
  let container: Container;
  let server: http.Server;
  let base: string;
  let offsetMs = 0;
  let client: { id: string; secret: string };
  const scim = async (token: string) => {
    const response = await fetch(`${base}/scim/v2/Users`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/scim+json' } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const config = loadConfig(
      {
        redis: { url: TEST_REDIS_URL, prefix },
        auth: { adminToken: TEST_ADMIN_TOKEN, failLimit: 1000 },
        secretServer: { baseUrl: 'http://127.0.0.1:9/SecretServer' },
      },
      {},
    );
    const logger = createSilentLogger();
    container = createContainer(config, logger);
    const oauth = new OAuthService(new OAuthStore(container.redis, redisKeys(prefix)), { logger, clock: () => Date.now() + offsetMs });
    const pages = express.Router();
    pages.use('/oauth2', oauthApprovalPages(oauth));
    const app = createApp({
      config,
      logger,
      resources: container.resources,
      scimTokens: container.tokens,
      oauthTokens: oauth.accessTokens,
      authFailures: container.authFailures,
      adminRouter: express.Router(),
      adminTokens: container.adminTokens,
      adminConsole: { sessions: container.adminSessions, pages },
      oauthRouter: oauthRouter({ oauth, authFailures: container.authFailures, failLimit: 1000, logger, consoleEnabled: true, bodyLimitBytes: 100_000 }),
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const registered = await oauth.clients.create('okta', [OKTA_REDIRECT_URI]);
    client = { id: registered.id, secret: registered.clientSecret };
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await container.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  beforeEach(() => {
    offsetMs = 0;
  });

  async function code(): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkcePair();
    const params = {
      response_type: 'code',
      client_id: client.id,
      redirect_uri: OKTA_REDIRECT_URI,
      state: 's',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const { location } = await authorizeAsAdmin(base, params);
    return { code: location.searchParams.get('code')!, verifier };
  }

  it('when a code is exchanged after its 5 minutes, then invalid_grant, and a fresh one within them works', async () => {
    const late = await code();
    offsetMs = 5 * MINUTE + 1000;
    const refused = await tokenRequest(base, client, {
      grant_type: 'authorization_code',
      code: late.code,
      redirect_uri: OKTA_REDIRECT_URI,
      code_verifier: late.verifier,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');

    offsetMs = 0;
    const fresh = await code();
    offsetMs = 4 * MINUTE;
    const accepted = await tokenRequest(base, client, {
      grant_type: 'authorization_code',
      code: fresh.code,
      redirect_uri: OKTA_REDIRECT_URI,
      code_verifier: fresh.verifier,
    });
    expect(accepted.status).toBe(200);
  });

  it('when an access token is older than 1 hour, then /scim/v2 answers 401 with the same SCIM error body as a bad token', async () => {
    const { code: c, verifier } = await code();
    const { body: tokens } = await tokenRequest(base, client, {
      grant_type: 'authorization_code',
      code: c,
      redirect_uri: OKTA_REDIRECT_URI,
      code_verifier: verifier,
    });
    offsetMs = 59 * MINUTE;
    expect((await scim(tokens.access_token)).status).toBe(200);
    offsetMs = 60 * MINUTE + 1000;
    const expired = await scim(tokens.access_token);
    const bad = await scim('scbat_no-such-token');
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(bad.body);
    expect(expired.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });

    // The refresh token outlives it and brings a new one.
    const refreshed = await tokenRequest(base, client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    expect((await scim(refreshed.body.access_token)).status).toBe(200);
  });

  it('when a refresh token is older than 30 days, then invalid_grant', async () => {
    const { code: c, verifier } = await code();
    const { body: tokens } = await tokenRequest(base, client, {
      grant_type: 'authorization_code',
      code: c,
      redirect_uri: OKTA_REDIRECT_URI,
      code_verifier: verifier,
    });
    offsetMs = 30 * 24 * 60 * MINUTE + 1000;
    const refused = await tokenRequest(base, client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
  });

  it('when an approval is asked for, then it waits in Redis under the hash of its id for at most 10 minutes', async () => {
    const asked = await fetch(`${base}/oauth2/authorize?response_type=code&client_id=${client.id}&redirect_uri=${encodeURIComponent(OKTA_REDIRECT_URI)}`, {
      redirect: 'manual',
      headers: { Accept: 'text/html' },
    });
    const approvalPath = asked.headers.get('location')!;
    const key = (await redis.keys(`${prefix}:oauth:pending:*`))[0];
    expect(await redis.pttl(key)).toBeGreaterThan(9 * MINUTE);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(10 * MINUTE);
    expect(key).not.toContain(approvalPath.split('/').pop());
  });
});
