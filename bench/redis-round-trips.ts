/**
 * Counts the Redis round trips a bench process makes, so the SCIM front and its bare baseline can
 * be shown to do the same number per request (the throughput comparison is only fair at equal round trips).
 *
 * A round trip is one write of commands answered together: a single command sent on its own, or
 * one pipeline (explicit, MULTI, or ioredis auto-pipelining's batch of one tick). ioredis sends a
 * pipeline's commands through Redis#sendCommand with the pipeline's stream as second argument, so
 * those are counted once, at exec. Bench-only: it patches ioredis' prototypes in this process.
 */
import Redis from 'ioredis';

let roundTrips = 0;
let installed = false;

export function countRedisRoundTrips(): void {
  if (installed) return;
  installed = true;
  const redisPrototype = Redis.prototype as unknown as { sendCommand(command: unknown, stream?: unknown): unknown };
  const sendCommand = redisPrototype.sendCommand;
  redisPrototype.sendCommand = function (this: unknown, command: unknown, stream?: unknown) {
    if (stream === undefined) roundTrips++;
    return sendCommand.call(this, command, stream);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pipelinePrototype = (require('ioredis/built/Pipeline') as { default: { prototype: { exec(...args: unknown[]): unknown } } }).default.prototype;
  const exec = pipelinePrototype.exec;
  const counted = new WeakSet<object>();
  pipelinePrototype.exec = function (this: { _queue?: unknown[] }, ...args: unknown[]) {
    // exec re-enters itself while loading scripts: one pipeline, one count.
    if (!counted.has(this) && (this._queue?.length ?? 0) > 0) {
      counted.add(this);
      roundTrips++;
    }
    return exec.apply(this, args);
  };
}

export function redisRoundTrips(): number {
  return roundTrips;
}
