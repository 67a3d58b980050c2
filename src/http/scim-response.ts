import type { Response } from 'express';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** Every SCIM answer goes out as application/scim+json (RFC 7644 §3.1). */
export function sendScim(res: Response, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body === undefined) {
    res.status(status).end();
    return;
  }
  res.status(status).setHeader('Content-Type', SCIM_CONTENT_TYPE);
  res.send(JSON.stringify(body));
}
