import { CONSOLE_CSP, escapeHtml, html, layout, SafeHtml } from './console-html';
import { safeNext } from '../admin-surface';

describe('console html', () => {
  it('when a value is interpolated, then it is escaped for element content and quoted attributes', () => {
    const hostile = `<script>alert("x")</script>' onmouseover=\`y\` &amp;`;
    const out = html`<td title="${hostile}">${hostile}</td>`.value;
    expect(out).toBe(`<td title="${escapeHtml(hostile)}">${escapeHtml(hostile)}</td>`);
    expect(out).not.toMatch(/<script|" onmouseover|'/);
    expect(html`${[1, '<b>', undefined, null, false]}`.value).toBe('1&lt;b&gt;');
    expect(html`${new SafeHtml('<b>kept</b>')}`.value).toBe('<b>kept</b>');
  });

  it('when a page is laid out, then its only style is the one the policy hashes, and the policy runs no script', () => {
    const page = layout({ title: '<Title>', csrfToken: 'tok"en' }, html`<p>body</p>`).value;
    expect(page).toContain('<title>&lt;Title&gt; · scim-bridge</title>');
    expect(page).toContain('name="_csrf" value="tok&quot;en"');
    expect(page.match(/<style>/g)).toHaveLength(1);
    expect(page).not.toMatch(/<script|style="/);
    expect(CONSOLE_CSP).toMatch(/script-src 'none'/);
    expect(CONSOLE_CSP).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
  });

  it('when the bridge has one directory, then the header has no switch; with several, it lists them, the one shown selected, and links under its path', () => {
    const alone = layout({ title: 'Users', current: 'users', csrfToken: 't' }, html``).value;
    expect(alone).not.toContain('<select');
    expect(alone).toContain('href="/admin/users"');
    expect(alone).toContain('href="/admin/queues"');

    const place = { base: '/admin/d/branch', directory: 'branch', directories: ['default', 'branch'] };
    const page = layout({ title: 'Users', current: 'users', csrfToken: 't', place }, html``).value;
    expect(page).toMatch(/<form method="get" action="\/admin\/directory" class="directory">/);
    expect(page).toMatch(/<option value="branch"\s+selected>branch<\/option>/);
    expect(page).toMatch(/<option value="default"\s*>default<\/option>/);
    expect(page).toContain('<input type="hidden" name="section" value="users" />');
    expect(page).toContain('<title>Users · branch · scim-bridge</title>');
    const links = [...page.matchAll(/(?:href|action)="([^"]*)"/g)].map((m) => m[1]);
    expect(links).toEqual([
      '/admin/directory',
      '/admin/d/branch',
      '/admin/d/branch/users',
      '/admin/d/branch/groups',
      '/admin/d/branch/failed',
      '/admin/d/branch/drift',
      '/admin/logout',
    ]);
  });

  it('when sign-in is asked to go somewhere next, then only a console path is followed', () => {
    expect(safeNext('/admin/d/branch/users')).toBe('/admin/d/branch/users');
    expect(safeNext('/admin/failed')).toBe('/admin/failed');
    expect(safeNext('/admin/users/')).toBe('/admin/users');
    expect(safeNext('/admin/')).toBe('/admin');
    for (const bad of [
      '//evil.example',
      'https://evil.example/admin',
      '/admin//evil.example',
      '/admin/../x',
      '/admin/login',
      '/admin\\evil',
      '/adminx',
      '/admin?x=1',
      undefined,
      ['/admin/failed'],
    ]) {
      expect(safeNext(bad)).toBe('/admin');
    }
  });
});
