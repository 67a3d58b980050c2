import type { BridgeConfig } from './config-schema';

/** Shortest accepted SCIM_TOKEN / ADMIN_TOKEN: 32 characters, as the tokens `npm run token` prints. */
export const MIN_STATIC_TOKEN_LENGTH = 32;

/** Values that were ever shipped in an example, a compose file or a default: refused whatever their length. */
const KNOWN_DEFAULTS = new Set(['try-me', 'change-me', 'change-me-admin', 'changeme', 'secret', 'password', 'admin', 'token', 'simulator-password']);

export interface SecretRuleViolation {
  path: string;
  env: string;
  problem: string;
}

/**
 * The rules a setting's format cannot express alone: static tokens long, not a known default and
 * not shared between the SCIM and admin surfaces; SS_PASSWORD set by the operator (not left at
 * the simulator's default) for any Secret Server that is not on this machine. Returns the first
 * violation, or undefined.
 */
export function secretRuleViolation(config: BridgeConfig, passwordIsSet: boolean): SecretRuleViolation | undefined {
  const tokens: Array<[string, string, string]> = [
    ['auth.scimToken', 'SCIM_TOKEN', config.auth.scimToken],
    ['auth.adminToken', 'ADMIN_TOKEN', config.auth.adminToken],
  ];
  for (const [path, env, value] of tokens) {
    if (value === '') continue;
    if (KNOWN_DEFAULTS.has(value.toLowerCase())) return { path, env, problem: 'is a published example value; generate one (openssl rand -hex 32)' };
    if (value.length < MIN_STATIC_TOKEN_LENGTH) {
      return { path, env, problem: `must be at least ${MIN_STATIC_TOKEN_LENGTH} characters (openssl rand -hex 32), got ${value.length}` };
    }
  }
  if (config.auth.scimToken !== '' && config.auth.scimToken === config.auth.adminToken) {
    return { path: 'auth.adminToken', env: 'ADMIN_TOKEN', problem: 'must differ from SCIM_TOKEN: whoever holds the SCIM token must not get /admin' };
  }
  if (!passwordIsSet && !isLoopbackUrl(config.secretServer.baseUrl)) {
    return {
      path: 'secretServer.password',
      env: 'SS_PASSWORD',
      problem: `must be set for a Secret Server that is not the local simulator (${config.secretServer.baseUrl})`,
    };
  }
  return undefined;
}

/** True for http(s) URLs whose host is this machine. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url.trim()).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
