/**
 * Names are never blank, in either direction:
 * - toward Secret Server, a user needs a displayName even when Okta sends empty first/last names;
 * - toward Okta, an imported user needs givenName and familyName or Okta's import fails
 *   (Okta Help, "Make the user profile first and last name optional").
 */

/** "jane.doe+x@example.com" -> "Jane Doe"; separators are . _ - and digits are kept. */
export function nameFromEmail(email: string): string {
  const local = email.split('@')[0]?.split('+')[0] ?? '';
  const words = local
    .split(/[._\-\s]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
  return words.join(' ');
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** Secret Server displayName for a SCIM user: displayName, else "given family", else from the email, else userName. */
export function displayNameFor(attributes: Record<string, unknown>, email: string | undefined): string {
  const explicit = text(attributes.displayName);
  if (explicit) return explicit;
  const name = (attributes.name ?? {}) as Record<string, unknown>;
  const joined = [text(name.givenName), text(name.familyName)].filter(Boolean).join(' ');
  if (joined) return joined;
  const formatted = text(name.formatted);
  if (formatted) return formatted;
  const fromEmail = email ? nameFromEmail(email) : '';
  if (fromEmail) return fromEmail;
  return text(attributes.userName) || 'Unnamed User';
}

export type UserNameFormat = 'email' | 'email-local-part' | 'scim-username';

/** The Secret Server userName for a new user (SS_USERNAME_FORMAT); it cannot change afterwards. */
export function secretServerUserName(format: UserNameFormat, scimUserName: string, email: string | undefined): string {
  if (format === 'scim-username' || !email) return scimUserName;
  if (format === 'email-local-part') return email.split('@')[0];
  return email;
}

/**
 * givenName / familyName for an imported Secret Server user: "Jane Doe" -> Jane / Doe,
 * "Jane van der Berg" -> Jane / van der Berg, "Cher" -> Cher / <placeholder>; a blank display name
 * falls back to the email's local part, then to the userName.
 */
export function splitDisplayName(
  displayName: string | null | undefined,
  fallback: { email?: string | null; userName?: string | null },
  familyNamePlaceholder: string,
): { givenName: string; familyName: string; formatted: string } {
  let source = text(displayName);
  if (!source && fallback.email) source = nameFromEmail(fallback.email);
  if (!source) source = text(fallback.userName) || 'Unknown';
  const words = source.split(/\s+/);
  const givenName = words[0];
  const familyName = words.length > 1 ? words.slice(1).join(' ') : familyNamePlaceholder || '-';
  return { givenName, familyName, formatted: source };
}
