/**
 * What the Dockerfile, .dockerignore and docker-compose.yml promise, read as text, so `npm test`
 * catches a regression without a Docker engine; `npm run test:docker` (test/docker/) builds and
 * runs them for real.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const instructions = (text: string) => text.split('\n').filter((line) => /^[A-Z]+\s/.test(line));

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('has no # syntax line (BuildKit would fetch that frontend from Docker Hub on every build)', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('installs with npm ci, the production dependencies alone in the runtime image', () => {
    const runs = instructions(dockerfile).filter((line) => line.startsWith('RUN '));
    expect(runs.some((line) => line.includes('npm ci --omit=dev'))).toBe(true);
    expect(runs.some((line) => /npm (install|i)\b/.test(line))).toBe(false);
  });

  it('leaves the code owned by root and runs as node', () => {
    expect(instructions(dockerfile).filter((line) => line.includes('--chown'))).toEqual([]);
    expect(instructions(dockerfile).filter((line) => line.startsWith('USER '))).toEqual(['USER node']);
  });

  it('has one HEALTHCHECK, the role-aware scim-bridge healthcheck', () => {
    const checks = instructions(dockerfile).filter((line) => line.startsWith('HEALTHCHECK '));
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatch(/CMD \["scim-bridge", "healthcheck"\]$/);
  });

  it("labels the image with package.json's version and licence", () => {
    const pkg = JSON.parse(read('package.json')) as { version: string; license: string };
    expect(dockerfile).toContain(`ARG VERSION=${pkg.version}\n`);
    expect(dockerfile).toContain(`org.opencontainers.image.licenses="${pkg.license}"`);
    expect(dockerfile).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(dockerfile).toContain('org.opencontainers.image.source=');
  });
});

describe('.dockerignore', () => {
  it('is an allow-list: everything is left out of the build context but what the Dockerfile copies', () => {
    const lines = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(lines[0]).toBe('*');
    const allowed = lines.filter((line) => line.startsWith('!'));
    for (const kept of allowed) expect(kept).not.toMatch(/node_modules|dist|\.env|\.git|test/);
  });
});

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');
  const services = ['redis', 'simulator', 'api', 'worker'];
  const block = (name: string) => new RegExp(`^  ${name}:\\n((?:    .*\\n|\\n)*)`, 'm').exec(compose)?.[1] ?? '';

  it('builds the image once (the api service) and runs it for the simulator, the api and the worker', () => {
    expect(compose.match(/^\s+build:/gm)).toHaveLength(1);
    expect(block('api')).toMatch(/^ {4}build: \.$/m);
    for (const name of ['simulator', 'api', 'worker']) expect(block(name)).toMatch(/^ {4}image: scim-bridge:local$/m);
  });

  it('gives every service a healthcheck, and starts the bridge only once Redis is healthy', () => {
    for (const name of services) expect(block(name)).toMatch(/^ {4}healthcheck:/m);
    for (const name of ['api', 'worker']) expect(block(name)).toMatch(/redis: \{ condition: service_healthy \}/);
  });

  it('keeps Redis on a volume with the append-only file, publishes the api on 8080 and the simulator on loopback only', () => {
    expect(block('redis')).toContain("'--appendonly', 'yes'");
    expect(block('redis')).toMatch(/volumes: \['redis-data:\/data'\]/);
    expect(block('api')).toContain("ports: ['8080:8080']");
    expect(block('simulator')).toContain("ports: ['127.0.0.1:8090:8090']");
    expect(compose.match(/^\s+ports:/gm)).toHaveLength(2);
  });
});
