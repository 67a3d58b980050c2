/**
 * Property-based fuzzing of the SCIM protocol layer with fast-check: parseFilter (and evaluating
 * what it parses) and applyPatch never crash (the only error is a BridgeError) and never hang
 * (each case and each whole run is time-boxed). Full: 100,000 cases each. Bounded: 5,000.
 */
import fc from 'fast-check';
import { BridgeError } from '../../src/errors/bridge-error';
import { matchesFilter, parseFilter } from '../../src/scim/filter/filter';
import { applyPatch } from '../../src/scim/patch/patch';
import { record } from '../support/fault-ledger';
import { sized } from '../support/fault-mode';
import {
  arbitraryFilterTextArbitrary,
  fuzzRuns,
  grammarFilterArbitrary,
  groupAttributesArbitrary,
  mutatedFilterArbitrary,
  patchBodyArbitrary,
  userAttributesArbitrary,
} from '../support/scim-arbitraries';

/** FUZZ_RUNS, when set, overrides both sizes. */
const CASES = fuzzRuns(sized(100_000, 5_000));
/** No single case may take this long: a hang or a catastrophic backtrack shows up here. */
const CASE_LIMIT_MS = 1_000;
/** Nor the whole run: about 2 ms a case, with room for a slow CI machine. */
const RUN_LIMIT_MS = Math.max(20_000, CASES * 2);

const resource = {
  id: 'u-1',
  userName: 'ada@example.com',
  active: true,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
  members: [{ value: 'u1', display: 'One' }],
  meta: { created: '2024-01-01T00:00:00Z', lastModified: '2024-02-01T00:00:00Z' },
};

/** Runs `fn`; a BridgeError is an answer, anything else thrown is a crash. */
function onlyBridgeErrors(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof BridgeError)) throw error;
    expect(error.statusCode).toBeLessThan(500);
  }
}

function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, body: (value: T) => void): void {
  it(
    `when ${CASES.toLocaleString('en')} generated ${name}, then only BridgeErrors, no case over ${CASE_LIMIT_MS} ms and the run within ${RUN_LIMIT_MS / 1000} s`,
    () => {
      const started = Date.now();
      let slowest = 0;
      fc.assert(
        fc.property(arbitrary, (value) => {
          const t0 = Date.now();
          body(value);
          const took = Date.now() - t0;
          slowest = Math.max(slowest, took);
          expect(took).toBeLessThan(CASE_LIMIT_MS);
        }),
        { numRuns: CASES },
      );
      const seconds = (Date.now() - started) / 1000;
      record({ type: 'fuzz', name, cases: CASES, seconds });
      expect(seconds * 1000).toBeLessThan(RUN_LIMIT_MS);
      expect(slowest).toBeLessThan(CASE_LIMIT_MS);
    },
    RUN_LIMIT_MS + 30_000,
  );
}

describe('fuzzing the SCIM protocol layer', () => {
  fuzz(
    'filters (grammar, mutated and arbitrary text), parsed and evaluated',
    fc.oneof(grammarFilterArbitrary, mutatedFilterArbitrary, arbitraryFilterTextArbitrary),
    (text) => {
      onlyBridgeErrors(() => {
        const filter = parseFilter(text);
        onlyBridgeErrors(() => matchesFilter(filter, resource));
      });
    },
  );

  fuzz('PATCH bodies on users', fc.tuple(userAttributesArbitrary, patchBodyArbitrary), ([attributes, body]) => {
    onlyBridgeErrors(() => {
      const result = applyPatch('User', attributes, body);
      JSON.stringify(result.resource);
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  fuzz('PATCH bodies on groups', fc.tuple(groupAttributesArbitrary, patchBodyArbitrary), ([attributes, body]) => {
    onlyBridgeErrors(() => {
      const result = applyPatch('Group', attributes, body);
      JSON.stringify(result.resource);
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
