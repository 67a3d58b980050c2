import convict from 'convict';
import fs from 'node:fs';
import path from 'node:path';
import { configSchema, BridgeConfig } from './config-schema';
import { secretRuleViolation } from './secret-rules';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Loads the schema defaults, config/default.json, the environment, then `overrides` (tests), in
 * rising precedence, and validates strictly: an invalid value throws ConfigError naming the key
 * and its environment variable.
 */
export function loadConfig(overrides: DeepPartial<BridgeConfig> = {}, env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  let loaded: BridgeConfig;
  let passwordInFile = false;
  try {
    const config = convict<BridgeConfig>(configSchema as unknown as convict.Schema<BridgeConfig>, { env, args: [] });
    const file = [path.resolve(__dirname, '../../config/default.json'), path.resolve(__dirname, '../../../config/default.json')].find((f) =>
      fs.existsSync(f),
    );
    if (file) {
      config.loadFile(file);
      passwordInFile = /"password"\s*:/.test(fs.readFileSync(file, 'utf8'));
    }
    config.load(overrides as object);
    config.validate({ allowed: 'strict' });
    loaded = config.getProperties();
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${withEnvNames((err as Error).message)}`);
  }
  const passwordIsSet = (env.SS_PASSWORD !== undefined || overrides.secretServer?.password !== undefined || passwordInFile) && loaded.secretServer.password !== '';
  const violation = secretRuleViolation(loaded, passwordIsSet);
  if (violation) throw new ConfigError(`invalid configuration: ${violation.path} (${violation.env}): ${violation.problem}`);
  return loaded;
}

/** convict names schema paths ("http.port"); admins know the env names ("PORT"): say both. */
function withEnvNames(message: string): string {
  const envByPath = new Map<string, string>();
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const keyPath = prefix ? `${prefix}.${key}` : key;
      const spec = value as { env?: string; default?: unknown };
      if ('default' in spec) {
        if (spec.env) envByPath.set(keyPath, spec.env);
      } else walk(value as Record<string, unknown>, keyPath);
    }
  };
  walk(configSchema as unknown as Record<string, unknown>, '');
  return message.replace(/([a-zA-Z]+(?:\.[a-zA-Z]+)+|\b[a-zA-Z]+Ms\b|\brole\b)(?=:)/g, (p) => (envByPath.has(p) ? `${p} (${envByPath.get(p)})` : p));
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type { BridgeConfig };
