import type { Response } from 'express';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/**
 * Every SCIM answer goes out as application/scim+json (RFC 7644 §3.1). Written with res.end, not
 * Express's res.send: send also hashes every body into a weak ETag and checks freshness, work the
 * SCIM front does not need (resources carry their own version ETag) and one of its larger costs
 * per request in npm run bench. Node drops the body of a HEAD answer by itself.
 */
export function sendScim(res: Response, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  for (const name in headers) res.setHeader(name, headers[name]);
  res.statusCode = status;
  if (body === undefined) {
    res.end();
    return;
  }
  const json = JSON.stringify(body);
  res.setHeader('Content-Type', SCIM_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
