import fc from 'fast-check';
import { attributeListArbitrary, fuzzRuns, resourceBodyArbitrary } from '../../test/support/scim-arbitraries';
import { BridgeError } from '../errors/bridge-error';
import { parsePaging } from './list-response';
import { parseGroupInput, parseUserInput, primaryEmail } from './resource/resource-input';
import { projectAttributes, renderResource } from './resource/resource-renderer';

const runs = fuzzRuns(2000);

function onlyBridgeErrors(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof BridgeError) || error.statusCode !== 400) throw error;
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe('input parsing, paging and projection: properties', () => {
  it('when a POST/PUT body is arbitrary, then parsing returns attributes without password or fails with 400', () => {
    fc.assert(
      fc.property(resourceBodyArbitrary, (body) => {
        onlyBridgeErrors(() => {
          const { attributes } = parseUserInput(body);
          expect(attributes).not.toHaveProperty('password');
          expect(typeof attributes.userName).toBe('string');
          primaryEmail(attributes);
        });
        onlyBridgeErrors(() => {
          const { attributes } = parseGroupInput(body);
          const values = (attributes.members as { value: string }[]).map((m) => m.value);
          expect(new Set(values).size).toBe(values.length);
        });
      }),
      { numRuns: runs },
    );
  });

  it('when paging parameters are arbitrary, then they parse into bounded integers or fail with 400', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (startIndex, count) => {
        onlyBridgeErrors(() => {
          const p = parsePaging({ startIndex, count });
          expect(Number.isSafeInteger(p.startIndex) && p.startIndex >= 1).toBe(true);
          expect(Number.isInteger(p.count) && p.count >= 0 && p.count <= 1000).toBe(true);
        });
      }),
      { numRuns: runs },
    );
  });

  it('when attributes or excludedAttributes are arbitrary, then id and schemas always survive', () => {
    const rendered = renderResource(
      {
        id: 'u-1',
        kind: 'User',
        origin: 'okta',
        meta: { created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z', version: 1 },
        attributes: {
          userName: 'a',
          name: { givenName: 'A' },
          emails: [{ value: 'a@x' }],
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'd' },
        },
      },
      { baseUrl: 'https://x/scim/v2' },
    );
    const list = fc.option(attributeListArbitrary, { nil: undefined });
    fc.assert(
      fc.property(list, list, (attributes, excludedAttributes) => {
        onlyBridgeErrors(() => {
          const out = projectAttributes(rendered, { attributes, excludedAttributes });
          expect(out.id).toBe('u-1');
          expect(out.schemas).toEqual(rendered.schemas);
        });
      }),
      { numRuns: runs },
    );
  });
});
