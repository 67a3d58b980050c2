/**
 * The baseline the SCIM front is compared with: a bare Express app on the same Redis making the
 * same number of Redis round trips per request as the bridge (so that the comparison measures the rest), with the least work
 * around them (no validation, scripts, BullMQ, logging or metrics):
 *   every request: one read standing for auth;
 *   filter: one HGET of the userName index | GET /Users/{id}: one GET;
 *   POST: one MULTI (SET + index HSET), then one RPUSH standing for the enqueue;
 *   PUT, PATCH, group PATCH: one GET, one SET, one RPUSH.
 * front-bench counts both servers' round trips per step (redis-round-trips.ts) and prints them side
 * by side, so a drift between this list and the bridge shows in the results.
 */
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { NextFunction, Request, Response } from 'express';
import Redis from 'ioredis';
import { serveRpc } from './child-rpc';
import { countRedisRoundTrips, redisRoundTrips } from './redis-round-trips';

async function main(): Promise<void> {
  countRedisRoundTrips();
  const prefix = process.env.REDIS_PREFIX ?? 'bench-baseline';
  // The bridge's command connection auto-pipelines, so concurrent requests share writes; the
  // baseline does too, or flat out it would make three times the bridge's round trips.
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  // And, like the bridge's BullMQ producer, the enqueue goes over a second, plain connection.
  const jobsRedis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  const key = (kind: string, id: string) => `${prefix}:${kind}:${id}`;
  const userNames = `${prefix}:users:idx:userName`;
  const jobs = `${prefix}:jobs`;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ type: () => true }));
  app.use(async (req: Request, _res: Response, next: NextFunction) => {
    await redis.get(`${prefix}:auth:${req.header('authorization') ?? ''}`);
    next();
  });
  const send = (res: Response, status: number, body: unknown) => res.status(status).type('application/scim+json').send(JSON.stringify(body));
  const enqueue = (kind: string, id: string, version: number) => jobsRedis.rpush(jobs, `${kind}-${id}-${version}`);

  app.get('/scim/v2/Users', async (req: Request, res: Response) => {
    const userName = /userName eq "([^"]*)"/.exec(typeof req.query.filter === 'string' ? req.query.filter : '')?.[1] ?? '';
    const id = await redis.hget(userNames, userName.toLowerCase());
    const json = id ? await redis.get(key('user', id)) : null;
    const resources = json ? [JSON.parse(json)] : [];
    send(res, 200, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: resources.length,
      startIndex: 1,
      itemsPerPage: resources.length,
      Resources: resources,
    });
  });
  app.post('/scim/v2/:kind', async (req: Request, res: Response) => {
    const kind = req.params.kind === 'Groups' ? 'group' : 'user';
    const id = crypto.randomUUID();
    const body = { ...req.body, id, meta: { resourceType: kind, created: new Date().toISOString(), version: 1 } };
    const write = redis.multi().set(key(kind, id), JSON.stringify(body));
    if (kind === 'user') write.hset(userNames, String(req.body.userName).toLowerCase(), id);
    await write.exec();
    await enqueue(kind, id, 1);
    send(res, 201, body);
  });
  app.get('/scim/v2/:kind/:id', async (req: Request, res: Response) => {
    const json = await redis.get(key(req.params.kind === 'Groups' ? 'group' : 'user', String(req.params.id)));
    if (!json) return send(res, 404, { status: '404' });
    send(res, 200, JSON.parse(json));
  });
  const write = (change: (current: any, body: any) => any) => async (req: Request, res: Response) => {
    const kind = req.params.kind === 'Groups' ? 'group' : 'user';
    const k = key(kind, String(req.params.id));
    const json = await redis.get(k);
    if (!json) return send(res, 404, { status: '404' });
    const next = change(JSON.parse(json), req.body);
    next.meta = { ...next.meta, version: (next.meta?.version ?? 1) + 1 };
    await redis.set(k, JSON.stringify(next));
    await enqueue(kind, next.id, next.meta.version);
    send(res, 200, next);
  };
  app.put(
    '/scim/v2/:kind/:id',
    write((current, body) => ({ ...body, id: current.id, meta: current.meta })),
  );
  app.patch(
    '/scim/v2/:kind/:id',
    write((current, body) => {
      // Just enough PATCH: member adds append, anything else merges its value.
      for (const op of body.Operations ?? []) {
        if (op.path === 'members') current.members = [...(current.members ?? []), ...op.value];
        else Object.assign(current, op.value);
      }
      return current;
    }),
  );

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  serveRpc(
    {
      redisRoundTrips: () => redisRoundTrips(),
      stop: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        redis.disconnect();
        jobsRedis.disconnect();
      },
    },
    { url: `http://127.0.0.1:${port}` },
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bare baseline failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
