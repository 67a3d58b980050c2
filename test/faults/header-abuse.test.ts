/**
 * Header abuse: huge and odd Authorization headers, many headers, wrong Content-Type, charset and
 * Content-Encoding, a decompression bomb. Each gets the right SCIM error (or, past Node's 16 KB
 * request-head limit, a bare 431 before the app runs), never a 5xx, and nothing is stored.
 */
import zlib from 'node:zlib';
import { startHarness, Harness, TEST_SCIM_TOKEN } from '../support/bridge-harness';
import { AnswerTally } from '../support/fault-ledger';
import { oktaUser, uniqueEmail } from '../support/fault-mode';
import { rawRequest } from '../support/raw-http';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

interface HeaderRow {
  label: string;
  method: 'GET' | 'POST';
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
  status: number;
  scimType?: string;
  /** Node's HTTP parser answers before the app: no SCIM body. */
  bare?: boolean;
}

const bearer = `Bearer ${TEST_SCIM_TOKEN}`;
const json = 'application/scim+json';
const validUser = () => JSON.stringify(oktaUser(uniqueEmail('header')));

function rows(): HeaderRow[] {
  const pad = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-pad-${i}`, '1']));
  return [
    { label: 'no Authorization', method: 'GET', headers: {}, status: 401 },
    { label: 'an 8 KB Authorization', method: 'GET', headers: { Authorization: `Bearer ${'a'.repeat(8000)}` }, status: 401 },
    { label: 'a 20 KB Authorization', method: 'GET', headers: { Authorization: `Bearer ${'a'.repeat(20_000)}` }, status: 431, bare: true },
    { label: 'a 20 KB URL', method: 'GET', headers: { Authorization: bearer, 'x-path': `/Users?filter=${'a'.repeat(20_000)}` }, status: 431, bare: true },
    { label: 'Basic credentials', method: 'GET', headers: { Authorization: 'Basic c2NpbTpzZWNyZXQ=' }, status: 401 },
    { label: 'a bare "Bearer"', method: 'GET', headers: { Authorization: 'Bearer' }, status: 401 },
    { label: 'the token with a trailing word', method: 'GET', headers: { Authorization: `${bearer} extra` }, status: 401 },
    { label: 'Latin-1 bytes in the token', method: 'GET', headers: { Authorization: 'Bearer \u00ff\u00fe\u00e9' }, status: 401 },
    { label: 'a wrong token first among two', method: 'GET', headers: { Authorization: ['Bearer wrong', bearer] }, status: 401 },
    { label: '300 extra headers', method: 'GET', headers: { Authorization: bearer, ...pad(300) }, status: 200 },
    { label: '1,000 extra headers', method: 'GET', headers: { Authorization: bearer, ...pad(1000) }, status: 400, bare: true },
    { label: 'X-HTTP-Method-Override: DELETE', method: 'GET', headers: { Authorization: bearer, 'X-HTTP-Method-Override': 'DELETE' }, status: 200 },
    { label: 'an XML body', method: 'POST', headers: { Authorization: bearer, 'Content-Type': 'application/xml' }, body: '<User><userName>x</userName></User>', status: 400, scimType: 'invalidSyntax' },
    { label: 'a form body', method: 'POST', headers: { Authorization: bearer, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'userName=x%40example.com', status: 400, scimType: 'invalidSyntax' },
    { label: 'a multipart body', method: 'POST', headers: { Authorization: bearer, 'Content-Type': 'multipart/form-data; boundary=b' }, body: '--b\r\nContent-Disposition: form-data; name="u"\r\n\r\nx\r\n--b--', status: 400, scimType: 'invalidSyntax' },
    { label: 'charset=latin1', method: 'POST', headers: { Authorization: bearer, 'Content-Type': `${json}; charset=latin1` }, body: validUser(), status: 415 },
    { label: 'charset=ebcdic', method: 'POST', headers: { Authorization: bearer, 'Content-Type': `${json}; charset=ebcdic` }, body: validUser(), status: 415 },
    { label: 'charset=utf-16 on UTF-8 bytes', method: 'POST', headers: { Authorization: bearer, 'Content-Type': `${json}; charset=utf-16` }, body: validUser(), status: 400, scimType: 'invalidSyntax' },
    { label: 'Content-Encoding: gzip on plain bytes', method: 'POST', headers: { Authorization: bearer, 'Content-Type': json, 'Content-Encoding': 'gzip' }, body: validUser(), status: 400 },
    { label: 'Content-Encoding: deflate on plain bytes', method: 'POST', headers: { Authorization: bearer, 'Content-Type': json, 'Content-Encoding': 'deflate' }, body: validUser(), status: 400 },
    { label: 'Content-Encoding: compress', method: 'POST', headers: { Authorization: bearer, 'Content-Type': json, 'Content-Encoding': 'compress' }, body: validUser(), status: 415 },
    {
      label: 'a gzip bomb (50 MB of zeros in 50 KB)',
      method: 'POST',
      headers: { Authorization: bearer, 'Content-Type': json, 'Content-Encoding': 'gzip' },
      body: zlib.gzipSync(Buffer.concat([Buffer.from(`{"userName":"bomb@example.com","title":"`), Buffer.alloc(50_000_000, 0x20), Buffer.from('"}')])),
      status: 413,
    },
  ];
}

describe('header abuse', () => {
  let h: Harness;
  const tally = new AnswerTally();

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'error' } });
    await h.scim('POST', '/Users', oktaUser(uniqueEmail('present')));
  });
  afterAll(async () => {
    tally.flush('header abuse');
    await h.stop();
  });

  it.each(rows().map((r) => [r.label, r] as const))('when the request has %s, then the right answer, never a 5xx, nothing stored', async (_label, row) => {
    const store = h.bridge.container.store;
    const before = await store.count('User');
    const { 'x-path': xPath, ...headers } = row.headers as Record<string, string>;
    const res = await rawRequest(h.bridge.url!, { method: row.method, path: `/scim/v2${xPath ?? '/Users'}`, headers, body: row.body });
    tally.see(res.status);
    expect(res.status).toBeLessThan(500);
    expect(res.status).toBe(row.status);
    if (res.status >= 400 && !row.bare) {
      expect(res.body?.schemas).toContain(ERROR_SCHEMA);
      if (row.scimType) expect(res.body.scimType).toBe(row.scimType);
    }
    if (res.status === 200) expect(res.body.totalResults).toBe(before);
    expect(await store.count('User')).toBe(before);
  });
});
