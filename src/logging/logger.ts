import winston from 'winston';

/** Keys whose values never reach a log line, at any depth (case-insensitive). */
const SECRET_KEYS = /^(authorization|password|pass|token|access_token|refresh_token|secret|client_secret|ss_password|scimtoken|admintoken|cookie|set-cookie)$/i;
const MAX_REDACT_DEPTH = 6;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_REDACT_DEPTH || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEYS.test(key) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) info[key] = '[redacted]';
    else if (typeof info[key] === 'object') info[key] = redact(info[key]);
  }
  return info;
});

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
  /** Extra sink, used by tests that search captured log lines for secrets. */
  stream?: NodeJS.WritableStream;
  /** With a stream: write only there (tests keep their output clean). */
  silentConsole?: boolean;
}

/**
 * One winston logger for the process. Categories are child loggers (`logger.child({ category })`).
 * JSON by default (ops pipe it to jq); `pretty` prints one readable line per event.
 */
export function createLogger(options: LoggerOptions): Logger {
  const pretty = winston.format.printf(({ level, message, timestamp, category, ...rest }) => {
    const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
    const where = typeof category === 'string' ? category : 'app';
    return `${String(timestamp)} ${level.padEnd(5)} [${where}] ${typeof message === 'string' ? message : JSON.stringify(message)}${extra}`;
  });
  const format =
    options.format === 'pretty'
      ? winston.format.combine(redactFormat(), winston.format.timestamp(), pretty)
      : winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json());
  const transports: winston.transport[] = [new winston.transports.Console({ stderrLevels: [], silent: Boolean(options.silentConsole && options.stream) })];
  if (options.stream) transports.push(new winston.transports.Stream({ stream: options.stream }));
  return winston.createLogger({ level: options.level, format, transports });
}

/** A logger that writes nothing: for unit tests and scripts that want silence. */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
