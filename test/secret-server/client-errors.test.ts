import nock from 'nock';
import {
  SecretServerAccessDeniedError,
  SecretServerMethodNotAllowedError,
  SecretServerNotFoundError,
  SecretServerError,
  SecretServerPermanentError,
  SecretServerRetryableError,
} from '../../src/secret-server/secret-server-errors';
import { BASE_PATH, ORIGIN, connectionError, expectGrant, makeClient, setUpNock } from './client-fixtures';

setUpNock();

const USERS = `${BASE_PATH}/api/v1/users`;
const NEW_USER = { userName: 'ada@example.com', displayName: 'Ada Lovelace', emailAddress: 'ada@example.com', enabled: true, password: 'Xy7!abcdefghijkl' };

async function failureOf(promise: Promise<unknown>): Promise<SecretServerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SecretServerError);
  return err as SecretServerError;
}

describe('SecretServerClient failure sorting', () => {
  it('when Secret Server answers 400 with modelState, then the error is permanent and carries the validation details', async () => {
    expectGrant(nock(ORIGIN))
      .post(USERS)
      .reply(400, { message: 'The request is invalid.', modelState: { 'args.DisplayName': ['The DisplayName field is required.'] } });
    const { client } = makeClient();

    const err = await failureOf(client.createUser(NEW_USER));

    expect(err).toBeInstanceOf(SecretServerPermanentError);
    expect(err).toMatchObject({ retryable: false, status: 400, endpoint: 'POST /api/v1/users', vendorMessage: 'The request is invalid.' });
    expect(err.modelState).toEqual({ 'args.DisplayName': ['The DisplayName field is required.'] });
  });

  it('when Secret Server answers 400 API_AccessDenied, then the error says absent-or-forbidden and is permanent', async () => {
    expectGrant(nock(ORIGIN)).get(`${USERS}/424242`).query(true).reply(400, { errorCode: 'API_AccessDenied', message: 'Access denied' });
    const { client } = makeClient();

    const err = await failureOf(client.getUser(424242));

    expect(err).toBeInstanceOf(SecretServerAccessDeniedError);
    expect(err).toMatchObject({ retryable: false, status: 400, errorCode: 'API_AccessDenied', endpoint: 'GET /api/v1/users/{id}' });
  });

  it('when Secret Server answers 405 or 404, then the errors say a missing method or route and are permanent', async () => {
    expectGrant(nock(ORIGIN))
      .put(`${BASE_PATH}/api/v1/groups/4`)
      .reply(405, { message: "The requested resource does not support http method 'PUT'." }, { Allow: 'GET, DELETE' })
      .get(`${USERS}/7`)
      .query(true)
      .reply(404, { message: 'Not Found' });
    const { client } = makeClient();

    const notAllowed = await failureOf(client.updateGroup(4, { name: 'Finance', enabled: true }));
    const notFound = await failureOf(client.getUser(7));

    expect(notAllowed).toBeInstanceOf(SecretServerMethodNotAllowedError);
    expect(notAllowed).toMatchObject({ retryable: false, status: 405 });
    expect(notFound).toBeInstanceOf(SecretServerNotFoundError);
    expect(notFound).toMatchObject({ retryable: false, status: 404 });
  });

  it('when Secret Server answers 429 with Retry-After in seconds, then the error is retryable with retryAfterMs', async () => {
    expectGrant(nock(ORIGIN)).get(USERS).query(true).reply(429, { message: 'Too many requests' }, { 'Retry-After': '7' });
    const { client } = makeClient();

    const err = await failureOf(client.listUsersPage(0, 50));

    expect(err).toBeInstanceOf(SecretServerRetryableError);
    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    expect(err.headers).toEqual({ 'Retry-After': '7' });
  });

  it('when Secret Server answers 429 with Retry-After as an HTTP date, then retryAfterMs is the time until that date', async () => {
    const now = Date.parse('2025-03-01T10:00:00Z');
    expectGrant(nock(ORIGIN))
      .get(USERS)
      .query(true)
      .reply(429, '', { 'Retry-After': new Date(now + 30_000).toUTCString() });
    const { client } = makeClient({}, { now: () => now });

    const err = await failureOf(client.listUsersPage(0, 50));

    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 30_000 });
  });

  it.each([408, 500, 502, 503, 504])('when Secret Server answers %i, then the error is retryable', async (status) => {
    expectGrant(nock(ORIGIN))
      .get(`${USERS}/7`)
      .query(true)
      .reply(status, { message: 'An error has occurred.', exceptionMessage: 'boom', exceptionType: 'System.Exception', stackTrace: 'at Thycotic.Secret()' });
    const { client } = makeClient();

    const err = await failureOf(client.getUser(7));

    expect(err).toBeInstanceOf(SecretServerRetryableError);
    expect(err).toMatchObject({ retryable: true, status, kind: 'http' });
    expect(err.message).not.toContain('Thycotic.Secret()');
  });

  it('when a call takes longer than timeoutMs, then the error is retryable with kind timeout', async () => {
    expectGrant(nock(ORIGIN)).get(`${USERS}/7`).query(true).delay(500).reply(200, { id: 7 });
    const { client, calls } = makeClient({ timeoutMs: 100 });

    const err = await failureOf(client.getUser(7));

    expect(err).toMatchObject({ retryable: true, kind: 'timeout', status: undefined });
    expect(calls.at(-1)).toMatchObject({ endpoint: 'GET /api/v1/users/{id}', status: 'error' });
  });

  it.each(['ECONNREFUSED', 'ECONNRESET'])('when the connection fails with %s, then the error is retryable with kind network', async (code) => {
    expectGrant(nock(ORIGIN)).get(`${USERS}/7`).query(true).replyWithError(connectionError(code));
    const { client, calls } = makeClient();

    const err = await failureOf(client.getUser(7));

    expect(err).toMatchObject({ retryable: true, kind: 'network', errorCode: code });
    expect(calls.at(-1)?.status).toBe('error');
  });

  it('when the token endpoint itself is unreachable, then the error is retryable', async () => {
    nock(ORIGIN).post(`${BASE_PATH}/oauth2/token`).replyWithError(connectionError('ECONNREFUSED'));
    const { client } = makeClient();

    const err = await failureOf(client.connect());

    expect(err).toMatchObject({ retryable: true, kind: 'network', endpoint: 'POST /oauth2/token' });
  });

  it('when a 200 carries an HTML page, then the error is retryable with kind html', async () => {
    expectGrant(nock(ORIGIN))
      .get(`${USERS}/7`)
      .query(true)
      .reply(200, '<!DOCTYPE html><html><body>Login</body></html>', { 'Content-Type': 'text/html; charset=utf-8' });
    const { client } = makeClient();

    const err = await failureOf(client.getUser(7));

    expect(err).toBeInstanceOf(SecretServerRetryableError);
    expect(err).toMatchObject({ retryable: true, kind: 'html', status: 200 });
  });

  it('when a 200 claims JSON but the body starts with <, then it is still treated as HTML', async () => {
    expectGrant(nock(ORIGIN)).get(`${USERS}/7`).query(true).reply(200, '<html>error</html>', { 'Content-Type': 'application/json' });
    const { client } = makeClient();

    await expect(client.getUser(7)).rejects.toMatchObject({ retryable: true, kind: 'html' });
  });

  it('when a proxy answers 404, then the error is permanent', async () => {
    expectGrant(nock(ORIGIN)).get(`${USERS}/7`).query(true).reply(404, 'Not Found', { 'Content-Type': 'text/plain' });
    const { client } = makeClient();

    await expect(client.getUser(7)).rejects.toMatchObject({ retryable: false, status: 404 });
  });
});
