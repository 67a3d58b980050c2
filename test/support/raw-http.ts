/**
 * HTTP exactly as written: node:http(s) sends the path, headers and body bytes as given, with no
 * URL normalisation (fetch would resolve `..` and `%2e%2e`) and no header clean-up. For hostile
 * input and for TLS with a self-signed certificate. rawExchange goes one step lower: bytes on a
 * socket, for requests no HTTP client would write.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  body: any;
}

export interface RawRequest {
  method: string;
  /** Path and query, sent verbatim. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** For https with a self-signed certificate. */
  rejectUnauthorized?: boolean;
}

export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: request.headers,
        agent: false,
        rejectUnauthorized: request.rejectUnauthorized,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}

export interface RawExchange extends RawResponse {
  /** The status line as sent, e.g. "HTTP/1.1 431 Request Header Fields Too Large". */
  statusLine: string;
  /** The server ended the connection after its answer (Connection: close kept). */
  closedByServer: boolean;
}

/**
 * Bytes exactly as given, on a fresh TCP (or TLS) connection, for what node:http would refuse to
 * send: malformed request lines and headers, conflicting lengths. Reads until the server closes
 * the connection (or `timeoutMs` passes) and parses the one answer.
 */
export function rawExchange(baseUrl: string, bytes: string | Buffer, options: { timeoutMs?: number; rejectUnauthorized?: boolean } = {}): Promise<RawExchange> {
  const url = new URL(baseUrl);
  const port = Number(url.port);
  return new Promise((resolve, reject) => {
    const socket =
      url.protocol === 'https:'
        ? tls.connect({ host: url.hostname, port, rejectUnauthorized: options.rejectUnauthorized ?? false })
        : net.connect({ host: url.hostname, port });
    const chunks: Buffer[] = [];
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 5000);
    socket.on(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      closedByServer = true;
    });
    // The server may reset the connection after answering (unread bytes); the answer still counts.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (chunks.length === 0 && err.code !== 'ECONNRESET') reject(err);
      if (err.code === 'ECONNRESET') closedByServer = true;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = (split < 0 ? raw : raw.slice(0, split)).split('\r\n');
      const headers: http.IncomingHttpHeaders = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const text = split < 0 ? '' : raw.slice(split + 4);
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      resolve({ statusLine, status: Number(statusLine.split(' ')[1] ?? 0), headers, text, body, closedByServer });
    });
  });
}
