import crypto from 'node:crypto';

/**
 * Every OAuth secret the bridge issues (client secret, code, access and refresh token, pending
 * approval id) is 256 bits from the CSPRNG; only its SHA-256 is stored. A random value needs no
 * salt or slow hash: nobody can guess it to test against the digest (RFC 6819 §5.1.4.1.3).
 */
export function randomSecret(prefix: string): string {
  return prefix + crypto.randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return crypto.createHash('sha256').update(value, 'utf8').digest('hex');
}

/** The public prefixes: a presented token without its prefix is refused without a Redis call. */
export const ACCESS_TOKEN_PREFIX = 'scbat_';
export const REFRESH_TOKEN_PREFIX = 'scbrt_';
export const CODE_PREFIX = 'scbac_';
