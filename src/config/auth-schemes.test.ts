import { ConfigError, loadConfig } from './load-config';
import { parseAuthSchemes } from './auth-schemes';

describe('SCIM_AUTH_SCHEMES', () => {
  it('when it is not set, then bearer, basic and oauth are all enabled, bearer first', () => {
    expect(parseAuthSchemes(loadConfig({}, {}).auth.schemes)).toEqual(['bearer', 'basic', 'oauth']);
  });

  it.each([
    ['basic', ['basic']],
    [' Basic , bearer ', ['basic', 'bearer']],
    ['oauth,bearer,oauth', ['oauth', 'bearer']],
  ])('when it is %j, then the schemes are %j, in that order', (value, expected) => {
    expect(parseAuthSchemes(loadConfig({}, { SCIM_AUTH_SCHEMES: value }).auth.schemes)).toEqual(expected);
  });

  it.each([
    ['bearer,basci', /"basci" is none of them; got "bearer,basci"$/],
    ['bearer,,basic', /"" is none of them/],
    ['', /must be one or more of bearer, basic, oauth, separated by commas; got ""$/],
    ['header', /"header" is none of them/],
  ])('when it is %j, then loading fails with one line naming the variable', (value, message) => {
    let error: unknown;
    try {
      loadConfig({}, { SCIM_AUTH_SCHEMES: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.split('\n')).toHaveLength(1);
    expect((error as Error).message).toMatch(/^invalid configuration: auth\.schemes \(SCIM_AUTH_SCHEMES\): must be one or more of bearer, basic, oauth/);
    expect((error as Error).message).toMatch(message);
  });
});
