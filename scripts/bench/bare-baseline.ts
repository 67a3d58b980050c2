/**
 * The baseline the SCIM front is compared with: a bare Express app on the same Redis doing the
 * minimum a Redis-backed SCIM front must do per request, and nothing else (no auth, validation,
 * atomic scripts, queue, logging or metrics):
 *   filter: one HGET (+ GET when found) | GET /Users/{id}: one GET
 *   POST: one HGET (uniqueness) + one SET | PUT, PATCH, group PATCH: one GET + one SET.
 * The bridge/baseline throughput ratio is then the price of everything the bridge adds.
 */
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { Request, Response } from 'express';
import Redis from 'ioredis';
import { serveRpc } from './child-rpc';

async function main(): Promise<void> {
  const prefix = process.env.REDIS_PREFIX ?? 'bench-baseline';
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  const key = (kind: string, id: string) => `${prefix}:${kind}:${id}`;
  const userNames = `${prefix}:users:idx:userName`;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ type: () => true }));
  const send = (res: Response, status: number, body: unknown) => res.status(status).type('application/scim+json').send(JSON.stringify(body));

  app.get('/scim/v2/Users', async (req: Request, res: Response) => {
    const userName = /userName eq "([^"]*)"/.exec(String(req.query.filter ?? ''))?.[1] ?? '';
    const id = await redis.hget(userNames, userName.toLowerCase());
    const json = id ? await redis.get(key('user', id)) : null;
    const resources = json ? [JSON.parse(json)] : [];
    send(res, 200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources });
  });
  app.post('/scim/v2/:kind', async (req: Request, res: Response) => {
    const kind = req.params.kind === 'Groups' ? 'group' : 'user';
    const id = crypto.randomUUID();
    const body = { ...req.body, id, meta: { resourceType: kind, created: new Date().toISOString(), version: 1 } };
    if (kind === 'user' && (await redis.hget(userNames, String(req.body.userName).toLowerCase()))) return send(res, 409, { status: '409' });
    await redis.set(key(kind, id), JSON.stringify(body));
    send(res, 201, body);
  });
  app.get('/scim/v2/:kind/:id', async (req: Request, res: Response) => {
    const json = await redis.get(key(req.params.kind === 'Groups' ? 'group' : 'user', String(req.params.id)));
    if (!json) return send(res, 404, { status: '404' });
    send(res, 200, JSON.parse(json));
  });
  const write = (change: (current: any, body: any) => any) => async (req: Request, res: Response) => {
    const k = key(req.params.kind === 'Groups' ? 'group' : 'user', String(req.params.id));
    const json = await redis.get(k);
    if (!json) return send(res, 404, { status: '404' });
    const next = change(JSON.parse(json), req.body);
    await redis.set(k, JSON.stringify(next));
    send(res, 200, next);
  };
  app.put('/scim/v2/:kind/:id', write((current, body) => ({ ...body, id: current.id, meta: current.meta })));
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
      stop: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        redis.disconnect();
      },
    },
    { url: `http://127.0.0.1:${port}` },
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bare baseline failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
