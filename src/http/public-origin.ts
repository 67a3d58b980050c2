import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';

/** The app setting that holds PUBLIC_BASE_URL (without a trailing slash), when one is configured. */
export const PUBLIC_BASE_URL_SETTING = 'scim-bridge public base url';

/**
 * Scheme, host and port for Location and meta.location, never taken from a client unless a
 * trusted proxy set it: PUBLIC_BASE_URL when configured; else, with TRUST_PROXY, what the proxy
 * forwarded (X-Forwarded-Proto, Host); else the address and port the connection actually reached.
 */
export function publicOrigin(req: Request): string {
  const configured = req.app.get(PUBLIC_BASE_URL_SETTING) as string | undefined;
  if (configured) return configured;
  if (req.app.get('trust proxy') !== false) return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  const socket = req.socket;
  const scheme = (socket as TLSSocket).encrypted ? 'https' : 'http';
  const address = socket.localAddress ?? '127.0.0.1';
  const host = net.isIPv6(address) ? `[${address}]` : address;
  return `${scheme}://${host}:${socket.localPort ?? ''}`;
}
