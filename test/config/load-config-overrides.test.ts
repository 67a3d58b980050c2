/**
 * Callers that start the bridge in-process (the demo, the tests) pass overrides; they must win
 * over the environment, or a demo run with SS_BASE_URL set would write into a real Secret Server.
 */
import { loadConfig } from '../../src/config/load-config';

describe('loadConfig overrides', () => {
  it('when the environment sets a value the overrides also set, then the override wins', () => {
    const env = { ...process.env, REDIS_PREFIX: 'from-env', SS_BASE_URL: 'https://secretserver.example.com/SecretServer' };
    const config = loadConfig({ redis: { prefix: 'from-override' }, secretServer: { baseUrl: 'http://127.0.0.1:8090' } }, env);
    expect(config.redis.prefix).toBe('from-override');
    expect(config.secretServer.baseUrl).toBe('http://127.0.0.1:8090');
  });

  it('when the overrides leave a value out, then the environment still sets it', () => {
    const config = loadConfig({ redis: { prefix: 'from-override' } }, { ...process.env, WORKER_CONCURRENCY: '3' });
    expect(config.worker.concurrency).toBe(3);
  });

  it('when an override is invalid, then loading fails naming the key', () => {
    expect(() => loadConfig({ worker: { concurrency: 0 } }, process.env)).toThrow(/WORKER_CONCURRENCY/);
  });
});
