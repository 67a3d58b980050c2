/** Bad input gets a clear SCIM error, loses nothing and never a 5xx. */
import { startHarness, Harness } from '../support/bridge-harness';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('bad input', () => {
  let h: Harness;
  let userId: string;

  beforeAll(async () => {
    h = await startHarness({ http: { bodyLimitBytes: 64 * 1024 } });
    userId = (
      await h.scim('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'bad.input@example.com',
        emails: [{ value: 'bad.input@example.com', primary: true }],
      })
    ).body.id;
  });
  afterAll(async () => {
    await h.stop();
  });

  async function countUsers(): Promise<number> {
    return (await h.scim('GET', '/Users?count=0')).body.totalResults;
  }

  // Every row has all six cells: jest passes a missing trailing cell as the `done` callback.
  const cases: Array<[string, string, string, unknown, number, string | undefined]> = [
    ['malformed JSON', 'POST', '/Users', '{"userName": "x"', 400, 'invalidSyntax'],
    ['a JSON array body', 'POST', '/Users', '[1,2]', 400, undefined],
    ['a JSON string body', 'POST', '/Users', '"hello"', 400, undefined],
    ['no userName', 'POST', '/Users', { schemas: [] }, 400, 'invalidValue'],
    ['userName a number', 'POST', '/Users', { userName: 42 }, 400, 'invalidValue'],
    ['active an object', 'POST', '/Users', { userName: 'typed@example.com', active: { yes: 1 } }, 400, 'invalidValue'],
    ['emails not an array', 'POST', '/Users', { userName: 'typed2@example.com', emails: 'a@b.c' }, 400, 'invalidValue'],
    ['group without displayName', 'POST', '/Groups', { members: [] }, 400, 'invalidValue'],
    ['members not objects', 'POST', '/Groups', { displayName: 'g-bad', members: ['x'] }, 400, 'invalidValue'],
    ['a PATCH without Operations', 'PATCH', '/Users/{id}', { schemas: [] }, 400, undefined],
    ['a PATCH with an unknown op', 'PATCH', '/Users/{id}', { Operations: [{ op: 'explode', path: 'active' }] }, 400, undefined],
    ['a PATCH with a malformed path', 'PATCH', '/Users/{id}', { Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }] }, 400, undefined],
    ['an unbalanced filter', 'GET', '/Users?filter=userName%20eq%20%22x', undefined, 400, 'invalidFilter'],
    ['an unknown filter operator', 'GET', '/Users?filter=userName%20zz%20%22x%22', undefined, 400, 'invalidFilter'],
    ['trailing filter garbage', 'GET', '/Users?filter=userName%20eq%20%22x%22%20garbage', undefined, 400, 'invalidFilter'],
    ['an empty filter', 'GET', '/Users?filter=', undefined, 400, 'invalidFilter'],
    ['two filters', 'GET', '/Users?filter=id%20pr&filter=id%20pr', undefined, 400, 'invalidFilter'],
    ['a non-numeric count', 'GET', '/Users?count=abc', undefined, 400, undefined],
    ['an unknown user id', 'GET', '/Users/2819c223-7f76-453a-919d-413861904646', undefined, 404, undefined],
    ['a path traversal id', 'GET', '/Users/..%2F..%2Fetc%2Fpasswd', undefined, 404, undefined],
    ['an injection id', 'GET', "/Users/'%20OR%201=1--", undefined, 404, undefined],
    ['a PATCH of an unknown id', 'PATCH', '/Users/nope', { Operations: [{ op: 'replace', value: { active: false } }] }, 404, undefined],
    ['a DELETE of an unknown id', 'DELETE', '/Groups/nope', undefined, 404, undefined],
    ['an unknown endpoint', 'GET', '/Widgets', undefined, 404, undefined],
    ['an unsupported method', 'POST', '/Users/{id}', { userName: 'x' }, 405, undefined],
  ];

  it.each(cases)('when the request has %s, then a SCIM error with the right status', async (_label, method, path, body, status, scimType) => {
    const before = await countUsers();
    const res = await h.scim(method, path.replace('{id}', userId), body);
    expect(res.status).toBe(status);
    expect(res.body.schemas).toContain(ERROR_SCHEMA);
    expect(res.body.status).toBe(String(status));
    expect(res.body.detail).toBeTruthy();
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|node_modules/);
    if (scimType) expect(res.body.scimType).toBe(scimType);
    expect(await countUsers()).toBe(before);
  });

  it('when the body is over the limit, then 413 with a SCIM error and nothing stored', async () => {
    const before = await countUsers();
    const res = await h.scim('POST', '/Users', { userName: 'big@example.com', title: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.schemas).toContain(ERROR_SCHEMA);
    expect(await countUsers()).toBe(before);
  });

  it('when If-Match names an old version, then 412 and the resource is unchanged', async () => {
    const res = await h.scim('PATCH', `/Users/${userId}`, { Operations: [{ op: 'replace', value: { title: 'x' } }] }, { 'If-Match': 'W/"999"' });
    expect(res.status).toBe(412);
  });

  it('when the token is wrong, then 401 and after too many failures 429 with Retry-After', async () => {
    const strict = await startHarness({ auth: { failLimit: 3 } });
    try {
      for (let i = 0; i < 3; i++) expect((await strict.scim('GET', '/Users', undefined, { Authorization: 'Bearer wrong' })).status).toBe(401);
      const limited = await strict.scim('GET', '/Users', undefined, { Authorization: 'Bearer wrong' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body.schemas).toContain(ERROR_SCHEMA);
    } finally {
      await strict.stop();
    }
  });

  it('when a password is sent on create and patch, then it is stored nowhere in Redis and never logged', async () => {
    const secret = 'Sup3r-Secret-Okta-Pass!';
    const res = await h.scim('POST', '/Users', { userName: 'pw@example.com', emails: [{ value: 'pw@example.com' }], password: secret });
    expect(res.status).toBe(201);
    await h.scim('PATCH', `/Users/${res.body.id}`, { Operations: [{ op: 'replace', value: { password: secret } }] });
    const redis = h.bridge.container.redis;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${h.prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const dump = type === 'string' ? await redis.get(key) : type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : '';
        expect(dump ?? '').not.toContain(secret);
      }
    } while (cursor !== '0');
    expect(h.logs.join('\n')).not.toContain(secret);
  });
});
