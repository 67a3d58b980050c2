import { createHash } from 'node:crypto';
import type { BridgeConfig } from '../config/config-schema';
import { DEFAULT_DIRECTORY } from '../store/redis-keys';

export { DEFAULT_DIRECTORY };

/**
 * A SCIM directory: one identity source (an Okta app, an Entra ID enterprise app) with its own base
 * URL (`/scim/v2/d/<name>`; the default directory keeps `/scim/v2`), tokens, users, groups, queue
 * and sync state. It targets the Secret Server of SS_BASE_URL unless it names its own.
 */
export interface DirectoryRecord {
  name: string;
  createdAt: string;
  /** Absent: the Secret Server of SS_BASE_URL and SS_USERNAME/SS_PASSWORD. */
  secretServer?: DirectorySecretServer;
}

/**
 * A directory's own Secret Server. The password is never in Redis: only the name of the
 * environment variable that holds it, which every bridge process reads at start.
 */
export interface DirectorySecretServer {
  baseUrl: string;
  username: string;
  passwordEnv: string;
  domain: string;
  platform: BridgeConfig['secretServer']['platform'];
}

/** Lower-case letters, digits and dashes: it is a path segment of the base URL and a Redis hash tag. */
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** POSIX shell variable names, as the operator exports them. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` cannot name a new directory, or undefined. */
export function directoryNameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return `must be 1 to 40 lower-case letters, digits or dashes, starting and ending with a letter or digit, got ${JSON.stringify(name)}`;
  if (name === DEFAULT_DIRECTORY) return `"${DEFAULT_DIRECTORY}" is the directory at /scim/v2, which every bridge has`;
  return undefined;
}

/** Why `name` cannot name the environment variable of a password, or undefined. */
export function environmentNameProblem(name: string): string | undefined {
  return ENV_NAME.test(name) ? undefined : `must be an environment variable name (letters, digits, _), got ${JSON.stringify(name)}`;
}

/** The directory every bridge has: its Secret Server is SS_BASE_URL's. */
export function defaultDirectory(): DirectoryRecord {
  return { name: DEFAULT_DIRECTORY, createdAt: new Date(0).toISOString() };
}

/** The base path of a directory's SCIM endpoints. */
export function scimBasePathOf(directory: string): string {
  return directory === DEFAULT_DIRECTORY ? '/scim/v2' : `/scim/v2/d/${directory}`;
}

export interface ResolvedSecretServer {
  settings: BridgeConfig['secretServer'];
  /** Which Secret Server this is, whichever directory names it: the rate budget and the account owners are kept per identity. */
  identity: string;
  /** Set when the directory's password variable is unset in this process: its workers cannot sign in. */
  missingPasswordEnv?: string;
}

/**
 * The Secret Server settings a directory's client uses: SS_* from the configuration, with the
 * directory's own URL, account and password variable over them when it names its own server.
 */
export function secretServerOf(config: BridgeConfig, directory: DirectoryRecord, environment: (name: string) => string | undefined): ResolvedSecretServer {
  const own = directory.secretServer;
  if (!own) return { settings: config.secretServer, identity: secretServerIdentity(config.secretServer.baseUrl) };
  const password = environment(own.passwordEnv);
  return {
    settings: { ...config.secretServer, baseUrl: own.baseUrl, username: own.username, password: password ?? '', domain: own.domain, platform: own.platform },
    identity: secretServerIdentity(own.baseUrl),
    missingPasswordEnv: password === undefined || password === '' ? own.passwordEnv : undefined,
  };
}

/**
 * One Secret Server, however its URL is written: scheme and host lower-case, default port and
 * trailing slashes dropped. Hashed, so the URL itself is not repeated in every key that names it.
 */
export function secretServerIdentity(baseUrl: string): string {
  const url = new URL(baseUrl.trim());
  const path = url.pathname.replace(/\/+$/, '').toLowerCase();
  return createHash('sha256').update(`${url.protocol}//${url.host}${path}`).digest('hex').slice(0, 16);
}
