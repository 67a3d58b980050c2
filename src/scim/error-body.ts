/** The SCIM error response body (RFC 7644 §3.12). */
import { MESSAGE_ERROR } from './scim-urns';

export interface ScimErrorBody {
  schemas: [typeof MESSAGE_ERROR];
  /** A string, as RFC 7644 §3.12 shows it; Okta's SPEC test asserts `status == "401"`. */
  status: string;
  detail: string;
  scimType?: string;
}

export function scimErrorBody(status: number, detail: string, scimType?: string): ScimErrorBody {
  const body: ScimErrorBody = { schemas: [MESSAGE_ERROR], status: String(status), detail };
  // scimType is only defined for 400 (and 409 uniqueness, 413 tooMany); omit it when absent.
  if (scimType !== undefined) body.scimType = scimType;
  return body;
}
