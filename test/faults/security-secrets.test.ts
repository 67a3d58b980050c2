/**
 * Security, secrets: after a full run (tokens created, rotated, revoked and used; Okta passwords
 * on create, PUT and PATCH; wrong tokens; admin calls; Secret Server tokens expiring; users
 * provisioned with generated passwords) no password, token or Secret Server credential is
 * anywhere in Redis (every key of the prefix, every type) or in the logs. Tokens are stored hashed.
 */
import crypto from 'node:crypto';
import { startHarness, Harness, TEST_ADMIN_TOKEN, TEST_SCIM_TOKEN } from '../support/bridge-harness';
import { expectConverged, systemOf } from '../support/convergence';
import { AnswerTally } from '../support/fault-ledger';
import { oktaUser, patchOp, sleep, uniqueEmail } from '../support/fault-mode';
import { dumpPrefix } from '../support/redis-dump';

const SS_PASSWORD = `Sim-Api-${crypto.randomBytes(6).toString('hex')}-Pa55!`;

describe('no secret at rest or in logs', () => {
  let h: Harness;
  const issuedSecretServerTokens: string[] = [];
  const tally = new AnswerTally();

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'debug' }, secretServer: { password: SS_PASSWORD } }, { password: SS_PASSWORD, tokenTtlSeconds: 2 });
    // Remember every bearer token the simulated Secret Server hands out.
    const issue = h.simulator.state.issueToken.bind(h.simulator.state);
    h.simulator.state.issueToken = (...args: Parameters<typeof issue>) => {
      const token = issue(...args);
      issuedSecretServerTokens.push(token);
      return token;
    };
  });
  afterAll(async () => {
    tally.flush('security: secrets');
    await h.stop();
  });

  it('when tokens are created, used, rotated and revoked, then Redis holds only their SHA-256', async () => {
    const tokens = h.bridge.container.tokens;
    const okta = await tokens.create('okta');
    const spare = await tokens.create('spare');
    const rotated = await tokens.rotate(okta.id, 60_000);
    await tokens.revoke(spare.id);
    for (const token of [okta.token, rotated.token]) {
      expect(tally.see((await h.scim('GET', '/Users?count=1', undefined, { Authorization: `Bearer ${token}` })).status)).toBe(200);
    }
    expect(tally.see((await h.scim('GET', '/Users', undefined, { Authorization: `Bearer ${spare.token}` })).status)).toBe(401);
    await tokens.flushLastUsed();

    const { text } = await dumpPrefix(h.bridge.container.redis, h.prefix);
    for (const { token } of [okta, spare, rotated]) {
      expect(text).not.toContain(token);
      expect(text).toContain(crypto.createHash('sha256').update(token).digest('hex'));
    }
  });

  it('when a full run is over, then no password, token or Secret Server credential is in Redis or the logs', async () => {
    const startedAt = Date.now();
    const oktaPasswords: string[] = [];
    const pw = () => {
      oktaPasswords.push(`Okta-${crypto.randomBytes(8).toString('hex')}!`);
      return oktaPasswords[oktaPasswords.length - 1];
    };
    const wrongToken = `scb_${crypto.randomBytes(16).toString('base64url')}`;
    let changes = 0;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await h.scim('POST', '/Users', { ...oktaUser(uniqueEmail(`secret${i}`)), password: pw() });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
      changes++;
      if (i === 5) h.simulator.expireAllTokens();
    }
    const current = (await h.scim('GET', `/Users/${ids[0]}`)).body;
    for (const [method, path, body] of [
      ['PUT', `/Users/${ids[0]}`, { ...current, password: pw(), title: 'put' }],
      ['PATCH', `/Users/${ids[1]}`, patchOp({ op: 'replace', path: 'password', value: pw() })],
      ['PATCH', `/Users/${ids[2]}`, patchOp({ op: 'add', value: { password: pw(), title: 'patched' } })],
      ['POST', '/Groups', { displayName: `Secret ${uniqueEmail('g')}`, members: ids.slice(0, 4).map((value) => ({ value })) }],
    ] as const) {
      expect(tally.see((await h.scim(method, path, body)).status)).toBeLessThan(300);
      changes++;
    }
    for (const auth of [`Bearer ${wrongToken}`, wrongToken, `Basic ${Buffer.from(`okta:${wrongToken}`).toString('base64')}`]) {
      expect(tally.see((await h.scim('GET', '/Users', undefined, { Authorization: auth })).status)).toBe(401);
    }
    const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    expect(tally.see((await fetch(`${h.bridge.url}/admin/failed`, { headers: admin })).status)).toBe(200);
    expect(tally.see((await fetch(`${h.bridge.url}/admin/resync`, { method: 'POST', headers: admin })).status)).toBeLessThan(300);
    await sleep(2500); // past the Secret Server token lifetime: one more grant
    await h.scim('PATCH', `/Users/${ids[3]}`, patchOp({ op: 'replace', path: 'title', value: 'late' }));
    changes++;
    await expectConverged(systemOf(h), { name: 'secrets run (tokens, passwords, re-grants)', changes, startedAt });

    const generatedPasswords = [...h.simulator.state.users.values()].filter((u) => u.id !== h.simulator.state.apiUserId).map((u) => u.password);
    expect(generatedPasswords.length).toBeGreaterThanOrEqual(12);
    expect(issuedSecretServerTokens.length).toBeGreaterThanOrEqual(2);
    const secrets: Record<string, string[]> = {
      'Okta password': oktaPasswords,
      SS_PASSWORD: [SS_PASSWORD],
      'Secret Server bearer token': issuedSecretServerTokens,
      'generated Secret Server user password': generatedPasswords,
      SCIM_TOKEN: [TEST_SCIM_TOKEN],
      ADMIN_TOKEN: [TEST_ADMIN_TOKEN],
      'rejected bearer token': [wrongToken],
    };
    const { keys, text } = await dumpPrefix(h.bridge.container.redis, h.prefix);
    const logs = h.logs.join('\n');
    // The scan reads what it should: the users' ids are in Redis, every Secret Server call in the logs.
    expect(keys).toBeGreaterThan(20);
    expect(text).toContain(ids[11]);
    expect(logs).toContain('"message":"Secret Server call"');
    const leaks = Object.entries(secrets).flatMap(([kind, values]) =>
      values.flatMap((v) => [...(text.includes(v) ? [`${kind} in Redis`] : []), ...(logs.includes(v) ? [`${kind} in the logs`] : [])]),
    );
    expect([...new Set(leaks)]).toEqual([]);
  }, 90_000);
});
