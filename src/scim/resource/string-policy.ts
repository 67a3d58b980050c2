/**
 * One policy for every string the bridge hands on to Secret Server (logins, email addresses,
 * display names, name parts, external ids) and keys users on. Such a string must be typeable and
 * look like what it is, so it may not hold:
 *   - control characters (Unicode general category Cc: NUL, CR, LF, DEL, the C1 range), which
 *     split log lines and headers and are not part of any name or address;
 *   - invisible format characters: zero-width space, joiners and marks (U+200B–U+200F), the
 *     Arabic letter mark (U+061C), word joiner and invisible operators (U+2060–U+2064), the
 *     byte order mark (U+FEFF), line and paragraph separators (U+2028, U+2029), interlinear
 *     annotation marks (U+FFF9–U+FFFB);
 *   - bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, and the
 *     deprecated U+206A–U+206F), which make `moc.elpmaxe@` display as another address
 *     (Unicode Technical Standard #39 §4; CVE-2021-42574 "Trojan Source");
 *   - unpaired UTF-16 surrogates, which are not Unicode text and cannot be encoded as UTF-8
 *     (RFC 3629 §3), so Secret Server would receive U+FFFD or an error.
 * Everything else is kept exactly, including right-to-left scripts and emoji.
 */
import { BadRequestError } from '../../errors/bridge-error';

const UNSAFE_TEXT = /[\p{Cc}\p{Cs}\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/u;

export function isSafeText(value: string): boolean {
  return !UNSAFE_TEXT.test(value);
}

/** Throws 400 invalidValue (RFC 7644 §3.12) naming the attribute, e.g. `name.givenName`. */
export function assertSafeText(value: unknown, where: string): void {
  if (typeof value === 'string' && !isSafeText(value)) {
    throw new BadRequestError(`${where} contains control, invisible or unpaired characters`, 'invalidValue');
  }
}
