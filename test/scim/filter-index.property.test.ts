/**
 * A filter answered from an index returns exactly what a full scan with the RFC 7644 §3.4.2.2
 * evaluator returns. Generated users and groups are written through the real ResourceService
 * into a real Redis; generated filters (equalities on the indexed attributes in every case, and
 * operators no index serves) go through ResourceService.list, and the answer is compared with
 * matchesFilter over every stored resource. Names read "when ..., then ...".
 */
import type Redis from 'ioredis';
import fc from 'fast-check';
import { ResourceService } from '../../src/domain/resource-service';
import type { ResourceKind, StoredResource } from '../../src/domain/resource-types';
import { BridgeError, InvalidFilterError } from '../../src/errors/bridge-error';
import { createSilentLogger } from '../../src/logging/logger';
import { matchesFilter, parseFilter } from '../../src/scim/filter/filter';
import { ResourceStore } from '../../src/store/resource-store';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';
import { fuzzRuns } from '../support/scim-arbitraries';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** Few distinct values, in several cases, so that equal-but-for-case values meet often. */
const words = fc.constantFrom('ada@example.com', 'Ada@Example.COM', 'bob', 'BOB', 'Bob', 'carol jones', 'Carol Jones', ' bob', 'x');
const externalIds = fc.constantFrom('e1', 'E1', 'e2', 'shared', 'Shared', '');
const emails = fc.array(fc.record({ value: words, type: fc.constantFrom('work', 'home'), primary: fc.boolean() }, { requiredKeys: ['value'] }), {
  maxLength: 3,
});

const userBody = fc.record(
  { userName: words, displayName: words, externalId: externalIds, emails, title: words, active: fc.boolean() },
  { requiredKeys: ['userName'] },
);
const groupBody = fc.record({ displayName: words, externalId: externalIds }, { requiredKeys: ['displayName'] });

/** How a generated value is spelled in the filter. */
const casing = fc.constantFrom<(s: string) => string>(
  (s) => s,
  (s) => s.toUpperCase(),
  (s) => s.toLowerCase(),
  (s) => [...s].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join(''),
);

const indexedPaths = fc.constantFrom(
  'userName',
  'USERNAME',
  `${CORE_USER}:userName`,
  'displayName',
  'DisplayName',
  'externalId',
  'externalid',
  'emails.value',
  'emails',
  'email',
  'emails[type eq "work"].value',
  'id',
);
const otherPaths = fc.constantFrom('title', 'name.givenName', 'emails.type', 'meta.resourceType');
const operators = fc.constantFrom('eq', 'EQ', 'ne', 'co', 'sw', 'ew', 'gt', 'le');

/** `{id:n}` stands for the id of the n-th stored resource, filled in once they exist. */
const operand = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.oneof(words, externalIds), casing).map(([v, c]) => c(v)) },
  { weight: 1, arbitrary: fc.nat(20).map((n) => `{id:${n}}`) },
);

const leaf = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(indexedPaths, fc.constant('eq'), operand).map(([p, o, v]) => ({ p, o, v })) },
  { weight: 2, arbitrary: fc.tuple(fc.oneof(indexedPaths, otherPaths), operators, operand).map(([p, o, v]) => ({ p, o, v })) },
  { weight: 1, arbitrary: fc.constantFrom({ p: 'externalId', o: 'pr', v: undefined }, { p: 'active', o: 'eq', v: true }) },
);

type Leaf = { p: string; o: string; v: string | boolean | undefined };
type Shape = { leaf: Leaf } | { join: 'and' | 'or'; left: Shape; right: Shape } | { not: Shape };

const shape: fc.Arbitrary<Shape> = fc.letrec<{ s: Shape }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf.map((l) => ({ leaf: l })),
    fc.tuple(fc.constantFrom<'and' | 'or'>('and', 'or'), tie('s'), tie('s')).map(([join, left, right]) => ({ join, left, right })),
    tie('s').map((s) => ({ not: s })),
  ),
})).s;

function filterText(s: Shape, ids: string[]): string {
  if ('leaf' in s) {
    const { p, o, v } = s.leaf;
    if (v === undefined) return `${p} ${o}`;
    if (typeof v === 'boolean') return `${p} ${o} ${v}`;
    const id = /^\{id:(\d+)\}$/.exec(v);
    const value = id ? (ids[Number(id[1]) % Math.max(ids.length, 1)] ?? 'none') : v;
    return `${p} ${o} ${JSON.stringify(value)}`;
  }
  if ('not' in s) return `not (${filterText(s.not, ids)})`;
  return `(${filterText(s.left, ids)}) ${s.join} (${filterText(s.right, ids)})`;
}

/** What filters see of a stored resource, as ResourceService hands it to matchesFilter. */
function filterable(r: StoredResource): Record<string, unknown> {
  return { ...r.attributes, id: r.id, meta: { resourceType: r.kind, created: r.meta.created, lastModified: r.meta.lastModified } };
}

type Answer = { ids: string[]; total: number } | 'invalid';

function sorted(ids: string[]): string[] {
  return [...ids].sort();
}

describe('filters answered from an index equal a full scan (real Redis, real ResourceService)', () => {
  let redis: Redis;
  let prefix: string;
  let store: ResourceStore;
  let service: ResourceService;

  beforeAll(() => {
    redis = connectRedis();
    prefix = uniquePrefix('filter-index');
    store = new ResourceStore(redis, prefix);
    service = new ResourceService(store, { enqueueSync: async () => undefined }, createSilentLogger());
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  async function scanAnswer(kind: ResourceKind, text: string): Promise<Answer> {
    const filter = parseFilter(text);
    const ids: string[] = [];
    try {
      for await (const batch of store.scan(kind)) for (const r of batch) if (matchesFilter(filter, filterable(r))) ids.push(r.id);
    } catch (error) {
      if (error instanceof InvalidFilterError) return 'invalid';
      throw error;
    }
    return { ids: sorted(ids), total: ids.length };
  }

  async function serviceAnswer(kind: ResourceKind, text: string): Promise<Answer> {
    try {
      const { total, views } = await service.list(kind, { filter: text, startIndex: 1, count: 1000 });
      return { ids: sorted(views.map((v) => v.resource.id)), total };
    } catch (error) {
      if (error instanceof InvalidFilterError) return 'invalid';
      throw error;
    }
  }

  /** Writes what the store accepts; a uniqueness conflict or an invalid body is simply not stored. */
  async function createAll(kind: ResourceKind, bodies: Array<Record<string, unknown>>): Promise<void> {
    for (const body of bodies) {
      try {
        await service.create(kind, body);
      } catch (error) {
        if (!(error instanceof BridgeError) || error.statusCode >= 500) throw error;
      }
    }
  }

  it('when resources and filters are generated, then the indexed answer equals the full scan for Users and Groups', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(userBody, { maxLength: 8 }),
        fc.array(groupBody, { maxLength: 5 }),
        fc.array(shape, { minLength: 1, maxLength: 8 }),
        async (users, groups, shapes) => {
          await deletePrefix(redis, prefix);
          await createAll('User', users);
          await createAll('Group', groups);
          for (const kind of ['User', 'Group'] as const) {
            const ids: string[] = [];
            for await (const batch of store.scan(kind)) ids.push(...batch.map((r) => r.id));
            for (const s of shapes) {
              const text = filterText(s, ids);
              const [expected, actual] = [await scanAnswer(kind, text), await serviceAnswer(kind, text)];
              if (JSON.stringify(actual) !== JSON.stringify(expected)) {
                throw new Error(`${kind} filter ${text}: service ${JSON.stringify(actual)}, scan ${JSON.stringify(expected)}`);
              }
            }
          }
        },
      ),
      { numRuns: fuzzRuns(150) },
    );
  });

  it('when a user and a group share a displayName, then only the group index answers Groups and Users are scanned', async () => {
    await deletePrefix(redis, prefix);
    const user = await service.create('User', { userName: 'pat@example.com', displayName: 'Same Name' });
    const group = await service.create('Group', { displayName: 'same name' });
    const users = await service.list('User', { filter: 'displayName eq "SAME NAME"', startIndex: 1, count: 10 });
    const found = await service.list('Group', { filter: 'displayName eq "SAME NAME"', startIndex: 1, count: 10 });
    expect(users.views.map((v) => v.resource.id)).toEqual([user.resource.id]);
    expect(found.views.map((v) => v.resource.id)).toEqual([group.resource.id]);
  });

  it('when a second user carries the primary email of one as a secondary email, then emails.value eq finds both', async () => {
    await deletePrefix(redis, prefix);
    const first = await service.create('User', { userName: 'one', emails: [{ value: 'Shared@Example.com', primary: true }] });
    const second = await service.create('User', { userName: 'two', emails: [{ value: 'two@example.com', primary: true }, { value: 'shared@example.com' }] });
    const res = await service.list('User', { filter: 'emails.value eq "shared@example.com"', startIndex: 1, count: 10 });
    expect(sorted(res.views.map((v) => v.resource.id))).toEqual(sorted([first.resource.id, second.resource.id]));
    expect(res.total).toBe(2);
  });
});
