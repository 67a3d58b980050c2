import { PUBLIC_BASE_URL_SETTING } from '../public-origin';
import { readCookie, reachedOverTls, serializeCookie, signedInCookies, signedOutCookies } from './console-cookies';

const appWith = (publicBaseUrl?: string) => ({ get: (name: string) => (name === PUBLIC_BASE_URL_SETTING ? publicBaseUrl : undefined) }) as never;

describe('console cookies', () => {
  it('when the request came over TLS, a trusted proxy said https, or PUBLIC_BASE_URL is https, then the cookies are Secure', () => {
    expect(reachedOverTls({ secure: true, app: appWith() })).toBe(true);
    expect(reachedOverTls({ secure: false, app: appWith('https://scim.example.com') })).toBe(true);
    expect(reachedOverTls({ secure: false, app: appWith('http://127.0.0.1:8080') })).toBe(false);
    expect(reachedOverTls({ secure: false, app: appWith() })).toBe(false);
    expect(signedInCookies('id', 'csrf', true).every((c) => c.split('; ').includes('Secure'))).toBe(true);
    expect(signedInCookies('id', 'csrf', false).some((c) => c.split('; ').includes('Secure'))).toBe(false);
  });

  it('when a browser signs in, then the session cookie is HttpOnly, SameSite=Strict, host-only, under /admin, and ends with the browser', () => {
    const [session, dashboard] = signedInCookies('the-id', 'the-token', false);
    expect(session).toBe('scimbridge_console=the-id; Path=/admin; SameSite=Strict; HttpOnly');
    expect(dashboard).toBe('XSRF-TOKEN=the-token; Path=/admin/queues; SameSite=Strict');
    expect(session).not.toMatch(/Domain|Expires|Max-Age/);
  });

  it('when a browser signs out, then both cookies are replaced by empty ones that expire at once, on the same paths', () => {
    const [session, dashboard] = signedOutCookies(true);
    expect(session).toBe('scimbridge_console=; Path=/admin; SameSite=Strict; HttpOnly; Secure; Max-Age=0');
    expect(dashboard).toBe('XSRF-TOKEN=; Path=/admin/queues; SameSite=Strict; Secure; Max-Age=0');
    expect(serializeCookie('a', 'b', { path: '/x', httpOnly: false, secure: false, maxAge: 5 })).toBe('a=b; Path=/x; SameSite=Strict; Max-Age=5');
  });

  it('when the Cookie header holds several cookies, then the one asked for is read, and a missing one is undefined', () => {
    const req = { headers: { cookie: 'other=1; scimbridge_console=abc_-DEF ; XSRF-TOKEN=t' } };
    expect(readCookie(req, 'scimbridge_console')).toBe('abc_-DEF');
    expect(readCookie(req, 'XSRF-TOKEN')).toBe('t');
    expect(readCookie(req, 'absent')).toBeUndefined();
    expect(readCookie({ headers: {} }, 'scimbridge_console')).toBeUndefined();
  });
});
