export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The answer the fault suites demand of bad input: the expected status, never a 5xx, and a SCIM error body for 4xx. */
export function expectScimAnswer(res: { status: number; body?: any }, status: number, scimType?: string): void {
  expect(res.status).toBeLessThan(500);
  expect(res.status).toBe(status);
  if (res.status >= 400) {
    expect(res.body?.schemas).toContain(ERROR_SCHEMA);
    expect(res.body.status).toBe(String(status));
    if (scimType) expect(res.body.scimType).toBe(scimType);
  }
}
