import type { NextFunction, Request, Response } from 'express';
import { BridgeError, StoreUnavailableError } from '../errors/bridge-error';
import { isRedisUnavailable } from '../errors/redis-unavailable';
import type { Logger } from '../logging/logger';
import { scimErrorBody } from '../scim/error-body';
import { sendScim } from './scim-response';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * The one place errors become responses: BridgeError -> its SCIM error body (RFC 7644 §3.12);
 * a lost Redis connection -> 503 StoreUnavailableError with Retry-After; body-parser failures ->
 * 400 invalidSyntax or 413; anything else -> 500 with a generic detail. Every 5xx is logged once,
 * with the original Error object, and never echoed.
 */
export function errorMiddleware(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const requestId = req.requestId;
    const known = err instanceof BridgeError ? err : isRedisUnavailable(err) ? new StoreUnavailableError(err) : undefined;
    if (known) {
      if (known.statusCode >= 500) {
        logger.error('request failed', {
          category: 'http',
          requestId,
          method: req.method,
          status: known.statusCode,
          detail: known.message,
          err: known.cause ?? known,
        });
      }
      if (res.headersSent) return;
      sendScim(res, known.statusCode, scimErrorBody(known.statusCode, known.message, known.scimType), known.headers);
      return;
    }
    const parserError = err as BodyParserError;
    if (parserError?.type === 'entity.too.large') {
      sendScim(res, 413, scimErrorBody(413, `Request body exceeds the limit of ${parserError.limit} bytes`));
      return;
    }
    if (parserError?.type === 'entity.parse.failed') {
      sendScim(res, 400, scimErrorBody(400, 'Request body is not valid JSON', 'invalidSyntax'));
      return;
    }
    if (parserError?.type && parserError.status && parserError.status < 500) {
      // encoding.unsupported, charset.unsupported, request.aborted, ...
      sendScim(res, parserError.status, scimErrorBody(parserError.status, 'The request body could not be read'));
      return;
    }
    if (parserError?.status && parserError.status >= 400 && parserError.status < 500) {
      // http-errors from Express itself without a `type`: a path with broken percent-encoding
      // (router's URIError) or a body that does not decompress (zlib error wrapped by body-parser).
      sendScim(res, parserError.status, scimErrorBody(parserError.status, 'The request could not be read: malformed encoding'));
      return;
    }
    logger.error('unexpected error', { category: 'http', requestId, err });
    if (res.headersSent) return;
    sendScim(res, 500, scimErrorBody(500, `Internal error; quote request id ${requestId} to the operator`));
  };
}
