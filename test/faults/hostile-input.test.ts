/**
 * Hostile input, table-driven: malformed, deeply nested and huge JSON, wrong types, injection
 * strings in ids and filters, path traversal. Every row gets the right SCIM error (or an empty
 * list), never a 5xx, and nothing is stored or changed. Rows marked `knownBug` state the right
 * answer and run as `it.failing` until src/ gives it (see docs/reliability.md).
 */
import { startHarness, Harness, TEST_SCIM_TOKEN } from '../support/bridge-harness';
import { AnswerTally } from '../support/fault-ledger';
import { oktaUser, uniqueEmail } from '../support/fault-mode';
import { rawRequest } from '../support/raw-http';
import { expectScimAnswer } from '../support/scim-answer';
import { hostileRows, HostileRow } from './hostile-rows';

describe('hostile input', () => {
  let h: Harness;
  let userId: string;
  let groupId: string;
  const tally = new AnswerTally();

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'error' } });
    userId = (await h.scim('POST', '/Users', oktaUser(uniqueEmail('anchor')))).body.id;
    groupId = (await h.scim('POST', '/Groups', { displayName: `Anchor ${uniqueEmail('g')}`, members: [{ value: userId }] })).body.id;
  });
  afterAll(async () => {
    tally.flush('hostile input matrix');
    await h.stop();
  });

  async function snapshot() {
    const store = h.bridge.container.store;
    const [users, groups, user, group] = await Promise.all([store.count('User'), store.count('Group'), store.get('User', userId), store.get('Group', groupId)]);
    return { users, groups, userVersion: user?.meta.version, groupVersion: group?.meta.version, members: JSON.stringify(group?.attributes.members) };
  }

  async function check(row: HostileRow) {
    const before = await snapshot();
    const res = await rawRequest(h.bridge.url!, {
      method: row.method,
      path: `/scim/v2${row.path.replace('{id}', userId).replace('{gid}', groupId)}`,
      headers: {
        Authorization: `Bearer ${TEST_SCIM_TOKEN}`,
        ...(row.body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}),
        ...row.headers,
      },
      body: row.body,
    });
    tally.see(res.status);
    expectScimAnswer(res, row.status, row.scimType);
    if (res.status >= 400) {
      expect(res.text).not.toMatch(/node_modules|\.ts:\d+|at [A-Za-z.]+ \(/);
    } else if (row.path.includes('filter=')) {
      // An injection string is data: it matches nothing (and certainly not everything).
      expect(res.body.totalResults).toBe(0);
    }
    expect(Object.keys(res.headers).filter((k) => /injected|set-cookie/i.test(k))).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }

  const rows = hostileRows();
  const known = rows.filter((r) => r.knownBug);
  it.each(rows.filter((r) => !r.knownBug).map((r) => [r.label, r] as const))(
    'when the request has %s, then the right SCIM answer and nothing stored',
    async (_label, row) => {
      await check(row);
    },
  );
  if (known.length) {
    it.failing.each(known.map((r) => [`${r.label} (known bug: ${r.knownBug})`, r] as const))(
      'when the request has %s, then a 400 and nothing stored',
      async (_label, row) => {
        await check(row);
      },
    );
  }

  it('when names use right-to-left scripts, emoji and astral characters, then they are kept exactly', async () => {
    const email = uniqueEmail('unicode');
    const name = { givenName: 'עִבְרִית', familyName: 'عَرَبِيّ 😀 𝒳 名前' };
    const res = await h.scim('POST', '/Users', { ...oktaUser(email), name, displayName: `${name.givenName} ${name.familyName}` });
    tally.see(res.status);
    expect(res.status).toBe(201);
    const back = await h.scim('GET', `/Users/${res.body.id}`);
    expect(back.body.name).toMatchObject(name);
    expect(back.body.displayName).toBe(`${name.givenName} ${name.familyName}`);
  });
});
