import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers (Content-Security-Policy off: the SCIM front serves JSON, bull-board brings its
 * own scripts), computed once. With that configuration every header helmet sets is the same on
 * every answer, and helmet's chain of a dozen middlewares per request showed in npm run bench
 * profiles; replaying its output keeps helmet the source of truth for what is sent.
 */
export function securityHeaders(): RequestHandler {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  let synchronous = false;
  helmet({ contentSecurityPolicy: false })({} as Request, recorder as unknown as Response, () => {
    synchronous = true;
  });
  if (!synchronous) throw new Error('helmet did not finish synchronously; its headers cannot be precomputed');
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
