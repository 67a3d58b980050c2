/** Shared by the src/scim unit tests: Okta-shaped inputs and a BridgeError catcher. Not used by src. */
import { BridgeError } from '../errors/bridge-error';

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** A PatchOp body (RFC 7644 §3.5.2) with the given operations. */
export function patchBody(...Operations: unknown[]): unknown {
  return { schemas: [PATCH_OP], Operations };
}

/** The user Okta creates in its SCIM 2.0 reference (Okta's SCIM 2.0 protocol reference), as stored attributes. */
export function oktaUser(): Record<string, unknown> {
  return {
    userName: 'test.user@okta.local',
    externalId: '00ujl29u0le5T6Aj10h7',
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
    displayName: 'Test User',
    active: true,
  };
}

/** Runs fn, asserts it throws a BridgeError, and returns it for further checks. */
export function rejection(fn: () => unknown): BridgeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError);
    return error as BridgeError;
  }
  throw new Error('expected a BridgeError');
}
