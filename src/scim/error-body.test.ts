import { scimErrorBody } from './error-body';

describe('scimErrorBody (RFC 7644 §3.12)', () => {
  it('when a 401 is reported, then status is the string "401" and there is no scimType (Okta SPEC step 11)', () => {
    expect(scimErrorBody(401, 'Missing or invalid bearer token')).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401',
      detail: 'Missing or invalid bearer token',
    });
  });

  it('when a 400 has a scimType, then it is included', () => {
    expect(scimErrorBody(400, 'bad filter', 'invalidFilter')).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      detail: 'bad filter',
      scimType: 'invalidFilter',
    });
  });
});
