import { BadRequestError } from '../../errors/bridge-error';
import { applyPatch } from './patch';
import { PATCH_OP, patchBody, oktaUser, rejection } from '../scim-test-fixtures';

describe('applyPatch: immutable and read-only attributes', () => {
  it.each(['id', 'meta', 'meta.version', 'schemas', 'groups', 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User:syncState'])(
    'when the path is %s, then 400 mutability',
    (path) => {
      expect(rejection(() => applyPatch('User', oktaUser(), patchBody({ op: 'replace', path, value: 'x' }))).scimType).toBe('mutability');
    },
  );

  it('when a path-less value carries id, meta, schemas or groups, then they are ignored', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'replace', value: { id: 'x', meta: {}, schemas: [], groups: [], title: 'Dev' } }));
    expect(result.resource).toEqual({ ...oktaUser(), title: 'Dev' });
  });
});

describe('applyPatch: body validation (RFC 7644 §3.5.2)', () => {
  it.each([
    ['a string', 'hello', 'invalidSyntax'],
    ['null', null, 'invalidSyntax'],
    ['an array', [], 'invalidSyntax'],
    ['no Operations', { schemas: [PATCH_OP] }, 'invalidSyntax'],
    ['Operations as an object', { schemas: [PATCH_OP], Operations: {} }, 'invalidSyntax'],
    ['a wrong schemas', { schemas: ['urn:x'], Operations: [] }, 'invalidSyntax'],
    ['an operation that is no object', patchBody('replace'), 'invalidSyntax'],
    ['an operation without op', patchBody({ path: 'title', value: 'x' }), 'invalidSyntax'],
    ['an unknown op', patchBody({ op: 'move', path: 'title', value: 'x' }), 'invalidSyntax'],
    ['a numeric op', patchBody({ op: 1, path: 'title', value: 'x' }), 'invalidSyntax'],
    ['a numeric path', patchBody({ op: 'replace', path: 3, value: 'x' }), 'invalidPath'],
    ['remove without a path', patchBody({ op: 'remove' }), 'noTarget'],
    ['add without a value', patchBody({ op: 'add', path: 'title' }), 'invalidValue'],
    ['a path-less replace of a string', patchBody({ op: 'replace', value: 'x' }), 'invalidValue'],
    ['a path-less replace of null', patchBody({ op: 'replace', value: null }), 'invalidValue'],
    ['a path-less add of an array', patchBody({ op: 'add', value: [1] }), 'invalidValue'],
    ['a malformed path', patchBody({ op: 'replace', path: 'a.b.c', value: 'x' }), 'invalidPath'],
    ['a sub-attribute under a string', patchBody({ op: 'replace', path: 'userName.x', value: 'x' }), 'invalidValue'],
    ['too many operations', patchBody(...Array.from({ length: 1001 }, () => ({ op: 'remove', path: 'title' }))), 'invalidValue'],
    ['a string over 2048 characters', patchBody({ op: 'replace', path: 'title', value: 'x'.repeat(2049) }), 'invalidValue'],
  ])('when the body has %s, then 400 %s', (_label, input, scimType) => {
    const error = rejection(() => applyPatch('User', oktaUser(), input));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.statusCode).toBe(400);
    expect(error.scimType).toBe(scimType);
  });

  it('when schemas is absent, then the body is still accepted (tolerance)', () => {
    expect(applyPatch('User', oktaUser(), { Operations: [{ op: 'replace', path: 'title', value: 'x' }] }).resource.title).toBe('x');
  });

  it('when a path or key tries to reach the prototype, then it is refused and nothing is polluted', () => {
    for (const path of ['__proto__.polluted', 'constructor.polluted', 'prototype.polluted']) {
      expect(rejection(() => applyPatch('User', oktaUser(), patchBody({ op: 'replace', path, value: 'yes' }))).statusCode).toBe(400);
    }
    const evil = JSON.parse('{"op":"add","value":{"__proto__":{"polluted":"yes"}}}');
    expect(rejection(() => applyPatch('User', oktaUser(), patchBody(evil))).statusCode).toBe(400);
    // Found by the property test: scim-patch splits value keys on "." and walks into the prototype.
    for (const key of ['__proto__.polluted', 'constructor.prototype.polluted', 'x:__proto__.polluted']) {
      const op = { op: 'add', path: 'name', value: { [key]: 'yes' } };
      expect(rejection(() => applyPatch('User', oktaUser(), patchBody(op))).scimType).toBe('invalidValue');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('when one operation fails, then none applies (the input is untouched)', () => {
    const input = oktaUser();
    rejection(() => applyPatch('User', input, patchBody({ op: 'replace', path: 'title', value: 'x' }, { op: 'replace', path: 'id', value: 'y' })));
    expect(input).toEqual(oktaUser());
  });
});
