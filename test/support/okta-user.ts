/** The one builder of a user as Okta POSTs it; each suite picks its default names and placeholder password. */
export interface OktaUserDefaults {
  givenName: string;
  familyName: string;
  /** Okta sends a placeholder password with every create; the bridge must never pass it on. */
  password: string;
}

export interface OktaUserBody {
  schemas: string[];
  userName: string;
  name: { givenName: string; familyName: string };
  emails: Array<{ primary: boolean; value: string; type: string }>;
  active: boolean;
  password: string;
  [extra: string]: unknown;
}

/** `extra` is spread last: it adds attributes or overrides any of the above. */
export type OktaUserBuilder = (email: string, given?: string, family?: string, extra?: Record<string, unknown>) => OktaUserBody;

export function oktaUserBuilder(defaults: OktaUserDefaults): OktaUserBuilder {
  return (email, given = defaults.givenName, family = defaults.familyName, extra = {}) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: email,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: email, type: 'work' }],
    active: true,
    password: defaults.password,
    ...extra,
  });
}
