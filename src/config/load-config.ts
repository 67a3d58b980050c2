import convict from 'convict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { FORMAT_VALIDATORS, FormatOptions } from './config-formats';
import { configSchema, BridgeConfig } from './config-schema';
import { secretRuleViolation } from './secret-rules';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Loads the schema defaults, config/default.json, the environment, then `overrides` (tests), in
 * rising precedence, and validates strictly: the first invalid value throws a ConfigError of one
 * line naming the key, its environment variable and the value (hidden when the key is sensitive).
 */
export function loadConfig(overrides: DeepPartial<BridgeConfig> = {}, env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  let config: convict.Config<BridgeConfig>;
  let passwordInFile = false;
  try {
    config = convict<BridgeConfig>(configSchema as unknown as convict.Schema<BridgeConfig>, { env, args: [] });
    const file = [path.resolve(__dirname, '../../config/default.json'), path.resolve(__dirname, '../../../config/default.json')].find((f) => fs.existsSync(f));
    if (file) {
      config.loadFile(file);
      passwordInFile = /"password"\s*:/.test(fs.readFileSync(file, 'utf8'));
    }
    setOverrides(config, overrides);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${firstLine((err as Error).message)}`);
  }
  const problem = firstInvalidSetting(config);
  if (problem) throw new ConfigError(`invalid configuration: ${problem}`);
  try {
    // What the walk above cannot see: keys of config/default.json that the schema does not declare.
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${firstLine((err as Error).message)}`);
  }
  const loaded = config.getProperties();
  const tls = tlsProblem(loaded.http);
  if (tls) throw new ConfigError(`invalid configuration: ${tls}`);
  const topology = redisTopologyProblem(loaded.redis);
  if (topology) throw new ConfigError(`invalid configuration: ${topology}`);
  const passwordIsSet =
    (env.SS_PASSWORD !== undefined || overrides.secretServer?.password !== undefined || passwordInFile) && loaded.secretServer.password !== '';
  const violation = secretRuleViolation(loaded, passwordIsSet);
  if (violation) throw new ConfigError(`invalid configuration: ${violation.path} (${violation.env}): ${violation.problem}`);
  return loaded;
}

interface SettingSpec extends FormatOptions {
  env?: string;
  default: unknown;
  sensitive?: boolean;
  format: unknown;
}

/** Every leaf of the schema with its dotted path, in schema order. */
export function schemaSettings(): Array<{ path: string; spec: SettingSpec }> {
  const settings: Array<{ path: string; spec: SettingSpec }> = [];
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const keyPath = prefix ? `${prefix}.${key}` : key;
      if ('default' in (value as object)) settings.push({ path: keyPath, spec: value as SettingSpec });
      else walk(value as Record<string, unknown>, keyPath);
    }
  };
  walk(configSchema, '');
  return settings;
}

/** The first setting whose value its format refuses, as "path (ENV): problem; got value". */
function firstInvalidSetting(config: convict.Config<BridgeConfig>): string | undefined {
  for (const { path: keyPath, spec } of schemaSettings()) {
    const value: unknown = config.get(keyPath as never);
    const problem = formatProblem(spec, value);
    if (problem) return `${describe(keyPath, spec)}: ${problem}; ${shown(spec, value)}`;
  }
  return undefined;
}

function formatProblem(spec: SettingSpec, value: unknown): string | undefined {
  try {
    if (Array.isArray(spec.format)) {
      if (!spec.format.includes(value)) return `must be one of ${spec.format.join(', ')}`;
    } else if (typeof spec.format === 'function') {
      (spec.format as (v: unknown) => void)(value);
    } else {
      FORMAT_VALIDATORS[String(spec.format)](value, spec);
    }
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/**
 * TLS_CERT and TLS_KEY both or neither, and a pair Node can serve with: a key without its
 * certificate (or the reverse) would otherwise start plain HTTP while the operator expects HTTPS.
 */
function tlsProblem(http: BridgeConfig['http']): string | undefined {
  const cert = describe('http.tlsCert', { env: 'TLS_CERT' });
  const key = describe('http.tlsKey', { env: 'TLS_KEY' });
  if (http.tlsCert === '' && http.tlsKey === '') return undefined;
  if (http.tlsKey === '') return `${key}: must be set when TLS_CERT is (both or neither)`;
  if (http.tlsCert === '') return `${cert}: must be set when TLS_KEY is (both or neither)`;
  try {
    tls.createSecureContext({ cert: fs.readFileSync(http.tlsCert), key: fs.readFileSync(http.tlsKey) });
  } catch (err) {
    return `${cert}: with TLS_KEY is not a PEM certificate and its private key (${firstLine((err as Error).message)}); got ${JSON.stringify(http.tlsCert)}`;
  }
  return undefined;
}

/**
 * One Redis topology: Sentinel and Cluster are two different ways of finding the servers, and a
 * bridge connected to one while the operator meant the other would write where nobody reads.
 */
function redisTopologyProblem(redis: BridgeConfig['redis']): string | undefined {
  if (redis.clusterNodes.trim() === '' || redis.sentinels.trim() === '') return undefined;
  return `${describe('redis.clusterNodes', { env: 'REDIS_CLUSTER_NODES' })}: cannot be set together with REDIS_SENTINELS (Redis Cluster or Sentinel, not both)`;
}

function describe(keyPath: string, spec: { env?: string }): string {
  return spec.env ? `${keyPath} (${spec.env})` : keyPath;
}

/** The value as the operator wrote it, on one line and short; never a sensitive one. */
function shown(spec: SettingSpec, value: unknown): string {
  if (spec.sensitive) return 'value hidden (sensitive)';
  const text = JSON.stringify(value) ?? String(value);
  return `got ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type { BridgeConfig };

/**
 * Overrides win over the environment. convict's load() merges under the environment (env and
 * arguments are always applied last: https://github.com/mozilla/node-convict/tree/master/packages/convict#precedence-order),
 * so each leaf is set() instead, which writes the value itself.
 */
function setOverrides(config: convict.Config<BridgeConfig>, overrides: object, parent = ''): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const at = parent ? `${parent}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) setOverrides(config, value as object, at);
    else config.set(at as never, value as never);
  }
}

/**
 * An environment variable that a stored setting names rather than holds (a directory's Secret
 * Server password), read here like every other setting; undefined when unset or empty.
 */
export function environmentValue(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}
