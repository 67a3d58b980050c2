import crypto from 'node:crypto';

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
// Symbols that survive JSON, form encoding and shells without quoting surprises.
const SYMBOLS = '!#$%*+-=?@^_~';
const ALL = UPPER + LOWER + DIGITS + SYMBOLS;

export const LOCAL_USER_PASSWORD_LENGTH = 32;

function pick(alphabet: string): string {
  return alphabet[crypto.randomInt(alphabet.length)];
}

/**
 * A password for a new local Secret Server user (creation fails with 400 unless it meets the Local
 * User Password policy: thycotic/scim-connector-docs install/constraints.md, thycotic/ss-docs
 * users/password-settings/index.md). Nobody ever types it: users sign in through Okta/SSO.
 * 32 characters from a CSPRNG, at least one upper, lower, digit and symbol, then shuffled so the
 * guaranteed characters are not always in front.
 */
export function generateLocalUserPassword(length = LOCAL_USER_PASSWORD_LENGTH): string {
  if (length < 4) throw new RangeError('password length must be at least 4');
  const chars = [pick(UPPER), pick(LOWER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(ALL));
  // Fisher–Yates with crypto.randomInt.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}
