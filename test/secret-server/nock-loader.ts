/**
 * Loads nock 15 for Jest on Node 20.
 *
 * nock 15.0.6 is ESM-only ("type": "module") and targets Node >= 22.20 (it calls
 * Promise.withResolvers). Jest's CommonJS module registry cannot import it, so it is loaded with
 * Node's own require (Node 20.19+ can require ES modules) in the main realm, after polyfilling
 * Promise.withResolvers there. It intercepts the shared core http/net modules, so axios inside the
 * Jest sandbox is intercepted as usual.
 *
 * Realm caveat: nock checks `instanceof Error` / `instanceof RegExp` in its own realm, so errors
 * for replyWithError must come from nodeError() below, and matchers must be functions or
 * strings, never regular-expression literals from the test.
 *
 * TODO(lead): pin nock 14 (CommonJS, Node 18+) or move this shim to test/support/.
 */
import type NockModule from 'nock';
import vm from 'node:vm';

type WithResolvers = PromiseConstructor & { withResolvers?: unknown };

// vm.runInThisContext runs in the main context, outside Jest's sandbox.
const mainRealm = vm.runInThisContext('globalThis') as typeof globalThis;
if (!(mainRealm.Promise as WithResolvers).withResolvers) {
  vm.runInThisContext(`Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };`);
}

const mainProcess = vm.runInThisContext('process') as NodeJS.Process;
const nativeRequire = mainProcess.getBuiltinModule('module').createRequire(__filename);
const loaded = nativeRequire('nock') as { default?: typeof NockModule } & typeof NockModule;

export const nock: typeof NockModule = loaded.default ?? loaded;
export type Scope = ReturnType<typeof NockModule>;

/** A Node-style system error (code + errno), created in nock's realm so it is recognised. */
export function nodeError(code: string, message: string): Error {
  const errnos: Record<string, number> = { ECONNREFUSED: -111, ECONNRESET: -104, ETIMEDOUT: -110, ENOTFOUND: -3008 };
  return Object.assign(new mainRealm.Error(message), { code, errno: errnos[code] ?? -1, syscall: 'connect' });
}

/**
 * Per test file: intercept, refuse unmocked network (except the hosts given, e.g. '127.0.0.1'),
 * and leave nothing behind, since the native module outlives this file in the Jest worker.
 */
export function useNock(allowHosts: string[] = []): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
    for (const host of allowHosts) nock.enableNetConnect(host);
  });
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  });
}
