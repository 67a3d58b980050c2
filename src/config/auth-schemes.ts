/**
 * SCIM_AUTH_SCHEMES: which ways of authenticating /scim/v2 accepts.
 * - `bearer`: the tokens of `npm run token -- create` and SCIM_TOKEN, as `Authorization: Bearer` (RFC 6750);
 * - `basic`: the usernames and passwords of `npm run token -- create --basic`, as `Authorization: Basic` (RFC 7617);
 * - `oauth`: OAuth 2.0 access tokens, which arrive as `Authorization: Bearer` too.
 */
export const AUTH_SCHEMES = ['bearer', 'basic', 'oauth'] as const;

export type AuthScheme = (typeof AUTH_SCHEMES)[number];

export const DEFAULT_AUTH_SCHEMES = AUTH_SCHEMES.join(',');

/**
 * "bearer, Basic" -> ['bearer', 'basic']: entries trimmed and lower-cased, in the order written
 * (the first is the primary scheme of /ServiceProviderConfig), each once. Throws, naming the entry,
 * for an unknown or empty one, and for an empty list: a bridge that accepts no scheme refuses
 * everybody, which is never what the operator meant.
 */
export function parseAuthSchemes(value: string): AuthScheme[] {
  const expected = `must be one or more of ${AUTH_SCHEMES.join(', ')}, separated by commas`;
  if (value.trim() === '') throw new Error(expected);
  const schemes: AuthScheme[] = [];
  for (const entry of value.split(',').map((e) => e.trim().toLowerCase())) {
    const scheme = AUTH_SCHEMES.find((known) => known === entry);
    if (!scheme) throw new Error(`${expected}; ${JSON.stringify(entry)} is none of them`);
    if (!schemes.includes(scheme)) schemes.push(scheme);
  }
  return schemes;
}

/** The configuration format of SCIM_AUTH_SCHEMES (config-schema.ts): throws what parseAuthSchemes throws. */
export function authSchemesFormat(value: unknown): void {
  parseAuthSchemes(String(value));
}
