import convict from 'convict';
import fs from 'node:fs';
import net from 'node:net';

/**
 * The value formats of configSchema. Convict's built-in coercion is lax for environment strings
 * (`parseInt('8x')` is 8, and any Boolean text but "false" is true), so every number and boolean
 * goes through a named format here whose coercion only converts what it fully understands; anything
 * else reaches the validator unchanged and is refused with a message saying what is accepted.
 * A validator receives the schema item as its second argument (convict passes it), which is where
 * `min`, `max`, `schemes` and `allowEmpty` come from.
 */
export interface FormatOptions {
  min?: number;
  max?: number;
  /** URL schemes accepted, without the colon. */
  schemes?: string[];
  /** An empty string is accepted (the setting is off). */
  allowEmpty?: boolean;
}

type Validator = (value: unknown, options: FormatOptions) => void;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function strictBoolean(value: unknown): void {
  if (typeof value !== 'boolean') throw new Error('must be true or false (or 1 or 0)');
}

function wholeNumber(value: unknown, { min = 0, max = Number.MAX_SAFE_INTEGER }: FormatOptions): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`must be a whole number from ${min} to ${max}`);
  if (value < min || value > max) throw new Error(`must be from ${min} to ${max}`);
}

function url(value: unknown, { schemes = ['http', 'https'], allowEmpty = false }: FormatOptions): void {
  const text = String(value);
  if (text === '' && allowEmpty) return;
  const expected = `must be an absolute ${schemes.join(' or ')} URL`;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new Error(expected);
  }
  if (!schemes.includes(parsed.protocol.slice(0, -1)) || parsed.hostname === '') throw new Error(expected);
}

/** A name that goes into keys and logins: not empty, no whitespace or control characters. */
function name(value: unknown): void {
  if (typeof value !== 'string' || value === '' || /\s/.test(value) || CONTROL_CHARACTERS.test(value)) {
    throw new Error('must be a non-empty name without spaces or control characters');
  }
}

/** Free text (passwords, tokens, placeholders): no control characters, which no terminal or form can type. */
function text(value: unknown, { allowEmpty = true }: FormatOptions): void {
  if (typeof value !== 'string' || CONTROL_CHARACTERS.test(value)) throw new Error('must be text without control characters');
  if (!allowEmpty && value.trim() === '') throw new Error('must not be empty');
}

/**
 * An AD domain name (DNS or NetBIOS form). NetBIOS names exclude \ / : * ? " < > | (Microsoft,
 * "Naming conventions in Active Directory", https://learn.microsoft.com/troubleshoot/windows-server/active-directory/naming-conventions-for-computer-domain-site-ou).
 */
function domain(value: unknown): void {
  if (typeof value !== 'string' || /[\\/:*?"<>|\s]/.test(value) || CONTROL_CHARACTERS.test(value)) {
    throw new Error('must be the domain alone (CORP or corp.example.com), not DOMAIN\\user');
  }
}

/** HOST: an IP address or a DNS name (RFC 1123 §2.1 letters, digits, hyphens and dots). */
function host(value: unknown): void {
  const textValue = String(value);
  if (net.isIP(textValue) !== 0) return;
  if (!/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(textValue)) {
    throw new Error('must be an IP address or a host name, such as 0.0.0.0 or 127.0.0.1');
  }
}

/** A path to a file this process can read, or empty. */
function readableFile(value: unknown): void {
  const file = String(value);
  if (file === '') return;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    if (!fs.statSync(file).isFile()) throw new Error('not a file');
  } catch {
    throw new Error('must be the path of a readable file');
  }
}

/** REDIS_SENTINELS and REDIS_CLUSTER_NODES: empty, or host:port pairs separated by commas ([v6]:port for IPv6). */
function sentinels(value: unknown): void {
  const textValue = String(value).trim();
  if (textValue === '') return;
  for (const entry of textValue.split(',').map((e) => e.trim())) {
    if (parseHostPort(entry) === undefined) throw new Error('must be host:port pairs separated by commas, such as 10.0.0.1:26379,10.0.0.2:26379');
  }
}

/** SS_PROTECTED_USERS: a comma list whose entries are not empty. */
function commaList(value: unknown): void {
  const textValue = String(value);
  if (textValue.trim() === '') return;
  if (CONTROL_CHARACTERS.test(textValue) || textValue.split(',').some((entry) => entry.trim() === '')) {
    throw new Error('must be userNames or emails separated by single commas');
  }
}

/** "host:port" → its parts, or undefined when it is not one. Brackets hold an IPv6 address (RFC 3986 §3.2.2). */
export function parseHostPort(entry: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(entry);
  if (!match) return undefined;
  const port = Number(match[3]);
  const hostPart = match[1] ?? match[2];
  if (port < 1 || port > 65535 || (match[1] !== undefined && net.isIPv6(hostPart) === false)) return undefined;
  return { host: hostPart, port };
}

/** Strings from the environment become booleans only when they say so exactly. */
function coerceBoolean(value: string): unknown {
  const lowered = value.trim().toLowerCase();
  if (lowered === 'true' || lowered === '1') return true;
  if (lowered === 'false' || lowered === '0') return false;
  return value;
}

function coerceInteger(value: string): unknown {
  return /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
}

export const FORMAT_VALIDATORS: Record<string, Validator> = {
  'strict-boolean': strictBoolean,
  'whole-number': wholeNumber,
  url,
  name,
  text,
  domain,
  host,
  'readable-file': readableFile,
  sentinels,
  'comma-list': commaList,
};

const COERCIONS: Record<string, (value: string) => unknown> = { 'strict-boolean': coerceBoolean, 'whole-number': coerceInteger };

for (const [formatName, validate] of Object.entries(FORMAT_VALIDATORS)) {
  convict.addFormat({ name: formatName, validate: (value: unknown, schema: unknown) => validate(value, schema ?? {}), coerce: COERCIONS[formatName] });
}
