import fc from 'fast-check';
import {
  fuzzRuns,
  groupAttributesArbitrary,
  patchBodyArbitrary,
  userAttributesArbitrary,
  wellFormedPatchBodyArbitrary,
} from '../../../test/support/scim-arbitraries';
import { BridgeError } from '../../errors/bridge-error';
import { applyPatch } from './patch';

const runs = fuzzRuns(2000);

/** fc.anything() may build values JSON.stringify refuses (BigInt); those compare as a marker. */
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return 'unserialisable';
  }
}

function applyOrBridgeError(kind: 'User' | 'Group', resource: Record<string, unknown>, body: unknown): void {
  const before = JSON.stringify(resource);
  const bodyBefore = safeStringify(body);
  try {
    const result = applyPatch(kind, resource, body);
    expect(result.resource).not.toHaveProperty('password');
    expect(typeof result.changed).toBe('boolean');
    JSON.stringify(result.resource); // plain JSON, no cycles
  } catch (error) {
    if (!(error instanceof BridgeError) || error.statusCode !== 400) throw error;
  }
  expect(JSON.stringify(resource)).toBe(before); // the input is never modified
  expect(safeStringify(body)).toBe(bodyBefore); // nor the request
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect((Object as unknown as Record<string, unknown>).polluted).toBeUndefined();
}

describe('applyPatch: properties', () => {
  it('when a User gets arbitrary operations, then the only error is a 400 BridgeError', () => {
    fc.assert(
      fc.property(userAttributesArbitrary, patchBodyArbitrary, (resource, body) => applyOrBridgeError('User', resource, body)),
      { numRuns: runs },
    );
  });

  it('when a Group gets arbitrary operations, then the only error is a 400 BridgeError', () => {
    fc.assert(
      fc.property(groupAttributesArbitrary, patchBodyArbitrary, (resource, body) => applyOrBridgeError('Group', resource, body)),
      { numRuns: runs },
    );
  });

  it('when well-formed Okta/Entra operations are applied, then they succeed or fail with a 400 BridgeError', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.tuple(fc.constant('User' as const), userAttributesArbitrary), fc.tuple(fc.constant('Group' as const), groupAttributesArbitrary)),
        wellFormedPatchBodyArbitrary,
        ([kind, resource], body) => applyOrBridgeError(kind, resource, body),
      ),
      { numRuns: runs },
    );
  });

  it('when the Operations are empty, then nothing changes', () => {
    fc.assert(
      fc.property(userAttributesArbitrary, (resource) => {
        const result = applyPatch('User', resource, { Operations: [] });
        expect(result.changed).toBe(false);
      }),
      { numRuns: Math.min(runs, 500) },
    );
  });
});
