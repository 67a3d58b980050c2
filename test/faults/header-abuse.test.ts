/**
 * Header abuse: huge and odd Authorization headers, many headers, wrong Content-Type, charset and
 * Content-Encoding, a decompression bomb, bytes that are not HTTP. Each gets the right SCIM error
 * (past Node's 16 KB request-head limit or when Node's parser refuses the bytes, from the server's
 * clientError listener, with Connection: close), never a 5xx, and nothing is stored.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { clientErrorHandler } from '../../src/http/client-error-handler';
import { createSilentLogger } from '../../src/logging/logger';
import { startHarness, Harness, TEST_SCIM_TOKEN } from '../support/bridge-harness';
import { AnswerTally } from '../support/fault-ledger';
import { oktaUser, uniqueEmail } from '../support/fault-mode';
import { rawExchange, rawRequest } from '../support/raw-http';
import { ERROR_SCHEMA, expectScimAnswer } from '../support/scim-answer';

interface HeaderRow {
  label: string;
  method: 'GET' | 'POST';
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
  status: number;
  scimType?: string;
  /** Node's HTTP parser refuses it before the app runs: the server closes the connection. */
  parser?: boolean;
}

const bearer = `Bearer ${TEST_SCIM_TOKEN}`;
const json = 'application/scim+json';
const validUser = () => JSON.stringify(oktaUser(uniqueEmail('header')));

function rows(): HeaderRow[] {
  const pad = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-pad-${i}`, '1']));
  return [
    { label: 'no Authorization', method: 'GET', headers: {}, status: 401 },
    { label: 'an 8 KB Authorization', method: 'GET', headers: { Authorization: `Bearer ${'a'.repeat(8000)}` }, status: 401 },
    { label: 'a 20 KB Authorization', method: 'GET', headers: { Authorization: `Bearer ${'a'.repeat(20_000)}` }, status: 431, parser: true },
    { label: 'a 20 KB URL', method: 'GET', headers: { Authorization: bearer, 'x-path': `/Users?filter=${'a'.repeat(20_000)}` }, status: 431, parser: true },
    { label: 'Basic credentials', method: 'GET', headers: { Authorization: 'Basic c2NpbTpzZWNyZXQ=' }, status: 401 },
    { label: 'a bare "Bearer"', method: 'GET', headers: { Authorization: 'Bearer' }, status: 401 },
    { label: 'the token with a trailing word', method: 'GET', headers: { Authorization: `${bearer} extra` }, status: 401 },
    { label: 'Latin-1 bytes in the token', method: 'GET', headers: { Authorization: 'Bearer \u00ff\u00fe\u00e9' }, status: 401 },
    { label: 'a wrong token first among two', method: 'GET', headers: { Authorization: ['Bearer wrong', bearer] }, status: 401 },
    { label: '300 extra headers', method: 'GET', headers: { Authorization: bearer, ...pad(300) }, status: 200 },
    // Node keeps only the first 1,000 headers by default, dropping Host here (a bare 400); the
    // server keeps them all, bounded by the 16 KB head.
    { label: '1,000 extra headers', method: 'GET', headers: { Authorization: bearer, ...pad(1000) }, status: 200 },
    { label: 'X-HTTP-Method-Override: DELETE', method: 'GET', headers: { Authorization: bearer, 'X-HTTP-Method-Override': 'DELETE' }, status: 200 },
    {
      label: 'an XML body',
      method: 'POST',
      headers: { Authorization: bearer, 'Content-Type': 'application/xml' },
      body: '<User><userName>x</userName></User>',
      status: 400,
      scimType: 'invalidSyntax',
    },
    {
      label: 'a form body',
      method: 'POST',
      headers: { Authorization: bearer, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'userName=x%40example.com',
      status: 400,
      scimType: 'invalidSyntax',
    },
    {
      label: 'a multipart body',
      method: 'POST',
      headers: { Authorization: bearer, 'Content-Type': 'multipart/form-data; boundary=b' },
      body: '--b\r\nContent-Disposition: form-data; name="u"\r\n\r\nx\r\n--b--',
      status: 400,
      scimType: 'invalidSyntax',
    },
    { label: 'charset=latin1', method: 'POST', headers: { Authorization: bearer, 'Content-Type': `${json}; charset=latin1` }, body: validUser(), status: 415 },
    { label: 'charset=ebcdic', method: 'POST', headers: { Authorization: bearer, 'Content-Type': `${json}; charset=ebcdic` }, body: validUser(), status: 415 },
    {
      label: 'charset=utf-16 on UTF-8 bytes',
      method: 'POST',
      headers: { Authorization: bearer, 'Content-Type': `${json}; charset=utf-16` },
      body: validUser(),
      status: 400,
      scimType: 'invalidSyntax',
    },
    {
      label: 'Content-Encoding: gzip on plain bytes',
      method: 'POST',
      headers: { Authorization: bearer, 'Content-Type': json, 'Content-Encoding': 'gzip' },
      body: validUser(),
      status: 400,
    },
    {
      label: 'Content-Encoding: deflate on plain bytes',
      method: 'POST',
      headers: { Authorization: bearer, 'Content-Type': json, 'Content-Encoding': 'deflate' },
      body: validUser(),
      status: 400,
    },
    {
      label: 'Content-Encoding: compress',
      method: 'POST',
      headers: { Authorization: bearer, 'Content-Type': json, 'Content-Encoding': 'compress' },
      body: validUser(),
      status: 415,
    },
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
    expectScimAnswer(res, row.status, row.scimType);
    if (row.parser) {
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(res.headers.connection).toBe('close');
    }
    if (res.status === 200) expect(res.body.totalResults).toBe(before);
    expect(await store.count('User')).toBe(before);
  });

  // Bytes no HTTP client would send: Node's parser refuses most before the app runs; either way
  // the answer is a SCIM error and the connection is closed after it.
  const get = (extra = '') => `GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer}\r\n${extra}`;
  const parserRows: Array<[string, string, number]> = [
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400],
    ['an unknown method', 'BREW /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400],
    ['a space inside a header name', get('Bad Header: 1\r\n\r\n'), 400],
    ['a NUL byte in a header value', get('X-Nul: a\u0000b\r\n\r\n'), 400],
    [
      'a Content-Length that is not a number',
      `POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer}\r\nContent-Length: ten\r\n\r\n`,
      400,
    ],
    [
      'both Content-Length and Transfer-Encoding (smuggling)',
      `POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    [
      'a broken chunk size',
      `POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer}\r\nContent-Type: ${json}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      400,
    ],
    ['a 20 KB header', get(`X-Big: ${'b'.repeat(20_000)}\r\n\r\n`), 431],
    ['an HTTP/1.1 request without Host', `GET /scim/v2/Users HTTP/1.1\r\nAuthorization: ${bearer}\r\n\r\n`, 400],
    ['an HTTP/1.0 request without Host', `GET /scim/v2/Users HTTP/1.0\r\nAuthorization: ${bearer}\r\n\r\n`, 200],
    ['a good request, then garbage on the same connection', `${get('\r\n')}NOT HTTP AT ALL\r\n\r\n`, 200],
  ];

  it.each(parserRows)('when the connection carries %s, then the right answer, then the connection closed, never a 5xx', async (_label, bytes, status) => {
    const store = h.bridge.container.store;
    const before = await store.count('User');
    const res = await rawExchange(h.bridge.url!, bytes);
    tally.see(res.status);
    expect(res.status).toBe(status);
    expect(res.closedByServer).toBe(true);
    if (status === 200) {
      // The first answer is the app's; the garbage after it gets no second answer glued on.
      expect(res.body.totalResults).toBe(before);
    } else {
      expect(res.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} \\w`));
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(res.headers.connection).toBe('close');
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
      expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: String(status), detail: expect.any(String) });
    }
    expect(await store.count('User')).toBe(before);
  });
});

/**
 * The clientError listener on a server of its own, for what the bridge's server only does slowly
 * (its request timeout is Okta's 60 s) or not on demand (a socket that can no longer be written).
 */
describe('the clientError listener', () => {
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer({ requestTimeout: 300, headersTimeout: 200, connectionsCheckingInterval: 50 }, (_req, res) => res.end('ok'));
    server.on('clientError', clientErrorHandler(createSilentLogger()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('when a request head stops arriving, then 408 with a SCIM error and the connection closed', async () => {
    const res = await rawExchange(url, 'GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bea');
    expect(res.status).toBe(408);
    expect(res.closedByServer).toBe(true);
    expect(res.headers.connection).toBe('close');
    expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: '408', detail: expect.any(String) });
  });

  it.each([
    ['the socket can no longer be written', Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_METHOD' }), false],
    ['the client reset the connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
  ])('when %s, then the socket is destroyed and nothing is written', (_label, err, writable) => {
    const socket = new PassThrough();
    if (!writable) socket.end();
    const write = jest.spyOn(socket, 'write');
    const end = jest.spyOn(socket, 'end');
    clientErrorHandler(createSilentLogger())(err, socket);
    expect(socket.destroyed).toBe(true);
    expect(write).not.toHaveBeenCalled();
    expect(end).not.toHaveBeenCalled();
  });
});
