import net from 'node:net';
import type { Request } from 'express';

/**
 * Express's `trust proxy` setting from TRUST_PROXY: off (X-Forwarded-* ignored: the peer is the
 * client), a hop count, or the proxies' addresses (Express compiles the list with proxy-addr).
 */
export function trustProxySetting(value: string): boolean | number | string {
  const text = value.trim();
  if (text === 'off') return false;
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

/**
 * The client's address as a throttle key: req.ip (the peer, or what a trusted proxy says), only
 * when it is an IP address; anything else a forwarded header made up falls back to the peer.
 * IPv4-mapped IPv6 addresses are written as IPv4, so one client has one key.
 */
export function clientAddress(req: Request): string {
  const candidate = unmapped(req.ip);
  if (candidate && net.isIP(candidate)) return candidate;
  return unmapped(req.socket.remoteAddress) ?? 'unknown';
}

function unmapped(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}
