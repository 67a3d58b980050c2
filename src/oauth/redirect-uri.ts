import { isLoopbackUrl } from '../config/secret-rules';

const MAX_REDIRECT_URI_LENGTH = 2000;

/**
 * Why a redirect URI cannot be registered, or null when it can. The code travels to it in the
 * browser's address bar, so it must be an absolute https URL (RFC 6749 §3.1.2.1; RFC 9700 §2.6);
 * plain http only to this machine's loopback, for curl and tests. No fragment (RFC 6749 §3.1.2)
 * and no user-info: what is registered is compared character for character (RFC 9700 §4.1.3).
 */
export function redirectUriProblem(value: string): string | null {
  if (value.length === 0 || value.length > MAX_REDIRECT_URI_LENGTH) return `use 1 to ${MAX_REDIRECT_URI_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- finding control characters and spaces is the point
  if (/[\x00-\x20\x7f]/.test(value)) return 'it contains spaces or control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'it is not an absolute URL (like https://example.okta.com/callback)';
  }
  if (url.hash !== '' || value.includes('#')) return 'it has a #fragment, which OAuth forbids in a redirect URI';
  if (url.username !== '' || url.password !== '') return 'it carries a user name or password';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackUrl(value)) return null;
  return 'use https (plain http only to 127.0.0.1, [::1] or localhost)';
}
