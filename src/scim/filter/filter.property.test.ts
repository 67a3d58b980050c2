import fc from 'fast-check';
import { arbitraryFilterTextArbitrary, fuzzRuns, grammarFilterArbitrary, mutatedFilterArbitrary } from '../../../test/support/scim-arbitraries';
import { BridgeError, InvalidFilterError } from '../../errors/bridge-error';
import { indexedLookup, matchesFilter, parseFilter, type Filter } from './filter';

const runs = fuzzRuns(2000);

/** The indexes the store keeps (unique-keys.ts): userName and displayName lower-cased, externalId as is. */
const USER_INDEXES = [
  { attribute: 'userName', caseExact: false },
  { attribute: 'externalId', caseExact: true },
];
const GROUP_INDEXES = [
  { attribute: 'displayName', caseExact: false },
  { attribute: 'externalId', caseExact: true },
];

const resources: Record<string, unknown>[] = [
  {
    id: 'u-1',
    userName: 'ada@example.com',
    active: true,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [
      { value: 'ada@example.com', type: 'work', primary: true },
      { value: 'a@home', type: 'home' },
    ],
    members: [{ value: 'u1' }],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D', manager: { value: 'm' } },
    meta: { created: '2024-01-01T00:00:00Z', lastModified: '2024-02-01T00:00:00Z', version: 'W/"1"' },
  },
  { id: 'g-1', displayName: 'Eng', members: 'not-an-array', emails: null, active: 'False' },
  {},
];

/** The property every parse must hold: a Filter comes back, or a 400 invalidFilter BridgeError. */
function parseOrBridgeError(text: string): Filter | undefined {
  try {
    return parseFilter(text);
  } catch (error) {
    if (!(error instanceof InvalidFilterError) || error.statusCode !== 400) throw error;
    return undefined;
  }
}

/** Evaluation may only throw InvalidFilterError (ordering a boolean), and must agree with `not`. */
function evaluate(filter: Filter, resource: Record<string, unknown>): boolean | undefined {
  try {
    return matchesFilter(filter, resource);
  } catch (error) {
    if (!(error instanceof BridgeError)) throw error;
    return undefined;
  }
}

describe('parseFilter and matchesFilter: properties', () => {
  it('when the text is arbitrary, then parseFilter returns or throws InvalidFilterError, quickly', () => {
    fc.assert(
      fc.property(arbitraryFilterTextArbitrary, (text) => {
        const started = Date.now();
        parseOrBridgeError(text);
        expect(Date.now() - started).toBeLessThan(2000);
      }),
      { numRuns: runs },
    );
  });

  it('when the filter follows the grammar, then it parses or is refused with a BridgeError, and evaluation is consistent', () => {
    fc.assert(
      fc.property(grammarFilterArbitrary, (text) => {
        const filter = parseOrBridgeError(text);
        if (filter === undefined) return;
        indexedLookup(filter, 'User', USER_INDEXES);
        indexedLookup(filter, 'Group', GROUP_INDEXES);
        for (const r of resources) {
          const direct = evaluate(filter, r);
          const negated = evaluate({ op: 'not', filter }, r);
          if (direct !== undefined && negated !== undefined) expect(negated).toBe(!direct);
        }
      }),
      { numRuns: runs },
    );
  });

  it('when a grammar filter is mutated, then parseFilter returns or throws InvalidFilterError', () => {
    fc.assert(
      fc.property(mutatedFilterArbitrary, (text) => {
        const filter = parseOrBridgeError(text);
        if (filter !== undefined) resources.forEach((r) => evaluate(filter, r));
      }),
      { numRuns: runs },
    );
  });

  it('when an indexed lookup is offered, then a resource matching the filter holds that value as the index folds it', () => {
    fc.assert(
      fc.property(grammarFilterArbitrary, fc.constantFrom<'User' | 'Group'>('User', 'Group'), (text, kind) => {
        const filter = parseOrBridgeError(text);
        const indexes = kind === 'User' ? USER_INDEXES : GROUP_INDEXES;
        const lookup = filter && indexedLookup(filter, kind, indexes);
        if (!filter || !lookup) return;
        const caseExact = lookup.attribute === 'id' || indexes.find((i) => i.attribute === lookup.attribute)?.caseExact === true;
        const fold = (v: string) => (caseExact ? v : v.toLowerCase());
        for (const r of resources) {
          if (evaluate(filter, r) !== true) continue;
          // The store finds candidates by this key; a match it could not find would be lost.
          const held = r[lookup.attribute];
          expect(typeof held === 'string' && fold(held) === fold(lookup.value)).toBe(true);
        }
      }),
      { numRuns: runs },
    );
  });
});
