import nock from 'nock';
import { CircuitBreaker, CircuitState } from '../../src/secret-server/circuit-breaker';
import { SecretServerCircuitOpenError, SecretServerPermanentError, SecretServerRetryableError } from '../../src/secret-server/secret-server-errors';
import { BASE_PATH, ORIGIN, expectGrant, makeClient, setUpNock } from './client-fixtures';

setUpNock();

const retryable = () => new SecretServerRetryableError('503', { endpoint: 'GET /x', status: 503 });
const permanent = () => new SecretServerPermanentError('400', { endpoint: 'GET /x', status: 400 });

function breakerWithClock(failureThreshold = 3, openMs = 5000) {
  let clock = 0;
  const breaker = new CircuitBreaker({ failureThreshold, openMs, now: () => clock });
  const changes: string[] = [];
  breaker.onStateChange((state: CircuitState, previous: CircuitState) => changes.push(`${previous}->${state}`));
  return { breaker, changes, advance: (ms: number) => (clock += ms) };
}

const fail = (breaker: CircuitBreaker, err: Error) => breaker.execute('GET /x', () => Promise.reject(err)).catch((e: unknown) => e);

describe('CircuitBreaker', () => {
  it('when N consecutive retryable failures happen, then it opens and fails fast with the remaining open time', async () => {
    const { breaker, changes, advance } = breakerWithClock(3, 5000);
    for (let i = 0; i < 3; i++) await fail(breaker, retryable());
    advance(1500);
    const fn = jest.fn(() => Promise.resolve('called'));

    const err = await breaker.execute('GET /api/v1/users', fn).catch((e: unknown) => e);

    expect(breaker.state()).toBe('open');
    expect(fn).not.toHaveBeenCalled();
    expect(err).toBeInstanceOf(SecretServerCircuitOpenError);
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 3500, endpoint: 'GET /api/v1/users', kind: 'circuit-open' });
    expect(changes).toEqual(['closed->open']);
  });

  it('when a success comes between failures, then the count starts again', async () => {
    const { breaker } = breakerWithClock(3);
    await fail(breaker, retryable());
    await fail(breaker, retryable());
    await breaker.execute('GET /x', () => Promise.resolve(1));
    await fail(breaker, retryable());
    await fail(breaker, retryable());

    expect(breaker.state()).toBe('closed');
  });

  it('when failures are permanent 4xx, then they do not count toward opening', async () => {
    const { breaker } = breakerWithClock(2);
    for (let i = 0; i < 5; i++) await fail(breaker, permanent());

    expect(breaker.state()).toBe('closed');
  });

  it('when openMs has passed, then it is half-open, lets exactly one probe through, and closes on its success', async () => {
    const { breaker, changes, advance } = breakerWithClock(1, 1000);
    await fail(breaker, retryable());
    advance(1000);
    expect(breaker.state()).toBe('half-open');
    let release: () => void = () => undefined;
    const probe = breaker.execute('GET /x', () => new Promise<string>((resolve) => (release = () => resolve('ok'))));

    const second = await breaker.execute('GET /x', () => Promise.resolve('second')).catch((e: unknown) => e);
    release();

    expect(second).toBeInstanceOf(SecretServerCircuitOpenError);
    await expect(probe).resolves.toBe('ok');
    expect(breaker.state()).toBe('closed');
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('when the half-open probe fails, then it opens again for another openMs', async () => {
    const { breaker, advance } = breakerWithClock(1, 1000);
    await fail(breaker, retryable());
    advance(1000);
    await fail(breaker, retryable());

    expect(breaker.state()).toBe('open');
    await expect(breaker.execute('GET /x', () => Promise.resolve(1))).rejects.toMatchObject({ retryAfterMs: 1000 });
  });

  it('when failureThreshold is 0, then the breaker never opens', async () => {
    const { breaker } = breakerWithClock(0);
    for (let i = 0; i < 10; i++) await fail(breaker, retryable());

    expect(breaker.state()).toBe('closed');
  });

  it('when the client sees Secret Server failing, then its breaker opens and later calls make no HTTP request', async () => {
    let clock = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 10_000, now: () => clock });
    const scope = expectGrant(nock(ORIGIN)).get(`${BASE_PATH}/api/v1/users/7`).query(true).times(2).reply(503, 'down');
    const { client, calls } = makeClient({}, { breaker, now: () => clock });

    await client.getUser(7).catch(() => undefined);
    await client.getUser(7).catch(() => undefined);
    clock += 4000;
    const err = await client.getUser(7).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SecretServerCircuitOpenError);
    expect(err).toMatchObject({ retryAfterMs: 6000 });
    expect(calls.filter((c) => c.endpoint === 'GET /api/v1/users/{id}')).toHaveLength(2);
    scope.done();

    clock += 6000;
    nock(ORIGIN)
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .reply(200, { id: 7, userName: 'ada', displayName: 'Ada', emailAddress: null, enabled: true, domainId: -1 });
    await expect(client.getUser(7)).resolves.toMatchObject({ id: 7 });
    expect(breaker.state()).toBe('closed');
  });
});
