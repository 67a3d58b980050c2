import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logging/logger';
import { scimErrorBody } from '../scim/error-body';
import { SCIM_CONTENT_TYPE } from './scim-response';

/** What Node's HTTP parser refused, as a status and a SCIM detail (the code names no client input). */
function answerFor(code: string | undefined): { status: number; detail: string } | undefined {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, detail: `The request line and headers exceed the limit of ${http.maxHeaderSize} bytes` };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, detail: 'The chunk extensions of the request body are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, detail: 'The request was not received in time' };
    default:
      // Any other llhttp failure (HPE_*): the bytes are not an HTTP/1.1 request we can read.
      // Anything else (ECONNRESET, EPIPE...) is the connection failing, not a request to answer.
      return code?.startsWith('HPE_') ? { status: 400, detail: `The request is not valid HTTP/1.1 (${code})` } : undefined;
  }
}

/**
 * The http.Server 'clientError' listener. Node's parser refuses some requests before Express
 * sees them (a request head past 16 KB, malformed bytes, a request too slow to
 * arrive) and by default answers with a bare status line. Okta parses every error body as JSON
 * (a proxy's plain-text 502 shows in its System Log as "Invalid JSON"), so answer as the app would, with the SCIM error body of RFC 7644 §3.12,
 * then close the connection: the parser cannot find the next request in what follows.
 */
export function clientErrorHandler(logger: Logger) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    const answer = answerFor(err.code);
    if (!answer || !socket.writable) {
      socket.destroy();
      return;
    }
    // Node's own listener never writes into a response already under way. Going further: when
    // the bad bytes follow a whole request (pipelining), that request still gets its answer.
    const inFlight = (socket as { _httpMessage?: http.ServerResponse | null })._httpMessage;
    if (inFlight?.req?.complete) {
      inFlight.once('finish', () => endThenDestroy(socket));
      return;
    }
    if (inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    logger.warn('request refused by the HTTP parser', { category: 'http', status: answer.status, code: err.code });
    const body = JSON.stringify(scimErrorBody(answer.status, answer.detail));
    const head = [
      `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status]}`,
      `Content-Type: ${SCIM_CONTENT_TYPE}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      'X-Content-Type-Options: nosniff',
      `Date: ${new Date().toUTCString()}`,
      'Connection: close',
    ];
    endThenDestroy(socket, `${head.join('\r\n')}\r\n\r\n${body}`);
  };
}

/** Destroys the socket once `last` is handed to the kernel; a client that never reads cannot hold it. */
function endThenDestroy(socket: Duplex, last?: string): void {
  const timer = setTimeout(() => socket.destroy(), 5000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  const destroy = () => socket.destroy();
  if (last === undefined) socket.end(destroy);
  else socket.end(last, destroy);
}
