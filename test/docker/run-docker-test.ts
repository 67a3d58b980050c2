/**
 * `npm run test:docker`: the image and docker-compose.yml on a real Docker engine. It builds the
 * image, starts Redis, the Secret Server simulator, an api and a worker from docker-compose.yml
 * (on the host's network, compose.host-network.yml), waits until Docker reports every one healthy,
 * creates a token with the CLI inside the api container, pushes an Okta-shaped user and a group
 * with curl, and waits for both in the simulator. It stops and removes what it started (the
 * compose project, its containers and volume) and keeps the image, whose size it prints.
 *
 * It is a script run by tsx, not a jest test (jest's testMatch is *.test.ts): it needs a Docker
 * engine and a few minutes, so neither `npm test` nor .ci/run runs it. With no engine answering it
 * says so and exits 0.
 *
 * Ports (loopback, on the host, since every container is on the host's network):
 * SCIM_BRIDGE_DOCKER_REDIS_PORT (16379), SCIM_BRIDGE_DOCKER_SIM_PORT (18090),
 * SCIM_BRIDGE_DOCKER_API_PORT (18080).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const IMAGE = 'scim-bridge:local';
const HEALTHY_WITHIN_MS = 150_000;
const SYNCED_WITHIN_MS = 60_000;

const ports = {
  redis: portFromEnv('SCIM_BRIDGE_DOCKER_REDIS_PORT', 16379),
  simulator: portFromEnv('SCIM_BRIDGE_DOCKER_SIM_PORT', 18090),
  api: portFromEnv('SCIM_BRIDGE_DOCKER_API_PORT', 18080),
};
const env: NodeJS.ProcessEnv = {
  ...process.env,
  SCIM_BRIDGE_DOCKER_REDIS_PORT: String(ports.redis),
  SCIM_BRIDGE_DOCKER_SIM_PORT: String(ports.simulator),
  SCIM_BRIDGE_DOCKER_API_PORT: String(ports.api),
  ADMIN_TOKEN: '',
};

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = raw ? Number(raw) : fallback;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a port, got ${JSON.stringify(raw)}`);
  return port;
}

const say = (line: string) => console.log(`docker-test: ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class TestFailure extends Error {}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Run {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd: root,
    env,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
  });
  if (result.error) return { code: 127, stdout: '', stderr: result.error.message };
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

function must(command: string, args: string[], what: string, options: { input?: string; timeoutMs?: number } = {}): string {
  const result = run(command, args, options);
  if (result.code !== 0) throw new TestFailure(`${what} failed (exit ${result.code}): ${command} ${args.join(' ')}\n${tail(result.stderr || result.stdout)}`);
  return result.stdout;
}

const tail = (text: string, lines = 30) => text.trimEnd().split('\n').slice(-lines).join('\n');
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)?.trim() ?? '';

/** Something already listening would answer the test's requests instead of its containers. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `docker compose` (v2) where it exists, else Debian's `docker-compose` (v1). */
function composeCommand(): string[] | undefined {
  if (run('docker', ['compose', 'version']).code === 0) return ['docker', 'compose'];
  if (run('docker-compose', ['version']).code === 0) return ['docker-compose'];
  return undefined;
}

/**
 * docker-compose.yml as compose gets it here: without its `ports:` lines (the api's, the
 * simulator's), which Docker refuses beside network_mode: host ("host" network_mode is
 * incompatible with port_bindings) and which an override file cannot take away in compose v1.
 * On the host's network each service listens on a port of the host itself.
 */
function composeFileForHostNetwork(dir: string): string {
  const shipped = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
  const lines = shipped.split('\n');
  const kept = lines.filter((line) => !/^\s+ports:/.test(line));
  if (lines.length - kept.length !== 2) throw new TestFailure(`expected two ports: lines in docker-compose.yml, found ${lines.length - kept.length}`);
  const file = path.join(dir, 'docker-compose.yml');
  fs.writeFileSync(file, kept.join('\n'));
  return file;
}

interface ScimAnswer {
  status: number;
  body: any;
}

function curlJson(method: string, url: string, headers: string[], body?: unknown): ScimAnswer {
  const args = ['-sS', '-X', method, '-w', '\n%{http_code}', ...headers.flatMap((h) => ['-H', h]), url];
  if (body !== undefined) args.push('--data-binary', '@-');
  const out = must('curl', args, `curl ${method} ${url}`, { input: body === undefined ? undefined : JSON.stringify(body), timeoutMs: 20_000 });
  const cut = out.lastIndexOf('\n');
  const text = out.slice(0, cut);
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // kept as text for the failure message
  }
  return { status: Number(out.slice(cut + 1)), body: parsed };
}

async function main(): Promise<number> {
  const info = run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
  if (info.code !== 0) {
    say(`skipped: no Docker engine answers (docker info: ${lastLine(info.stderr || info.stdout) || `exit ${info.code}`}).`);
    say('Start a Docker engine (https://docs.docker.com/engine/install/) with docker compose or docker-compose, then run npm run test:docker again.');
    return 0;
  }
  const compose = composeCommand();
  if (!compose) throw new TestFailure('the engine answers but neither `docker compose` nor `docker-compose` is installed');
  if (run('curl', ['--version']).code !== 0) throw new TestFailure('curl is needed (the test pushes SCIM requests with it)');
  if (run('docker', ['buildx', 'version']).code !== 0) {
    // Without buildx the client cannot use BuildKit; the legacy builder builds this Dockerfile too.
    env.DOCKER_BUILDKIT = '0';
  }
  say(`engine ${info.stdout.trim()}, ${compose.join(' ')}, ${env.DOCKER_BUILDKIT === '0' ? 'legacy builder' : 'BuildKit'}`);
  for (const [name, port] of Object.entries(ports)) {
    if (await portTaken(port)) throw new TestFailure(`127.0.0.1:${port} (${name}) is already in use; free it or move it with SCIM_BRIDGE_DOCKER_*_PORT`);
  }

  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  say(`building ${IMAGE} (docker build --network=host)`);
  const previous = run('docker', ['image', 'inspect', '-f', '{{.Id}}', IMAGE]).stdout.trim();
  const started = Date.now();
  const build = must('docker', ['build', '--network=host', '-t', IMAGE, '.'], 'docker build', { timeoutMs: 900_000 });
  const context = /Sending build context to Docker daemon\s+(\S+)/.exec(build)?.[1];
  say(`built in ${Math.round((Date.now() - started) / 1000)} s${context ? `, build context ${context}` : ''}`);
  const imageId = must('docker', ['image', 'inspect', '-f', '{{.Id}}', IMAGE], 'docker image inspect').trim();
  if (previous && previous !== imageId) {
    // The image this tag named before: untagged now, so each run would leave one behind. Without
    // force, so an image a container still uses or another tag names stays.
    run('docker', ['image', 'rm', previous]);
  }
  const labels = JSON.parse(must('docker', ['image', 'inspect', '-f', '{{json .Config.Labels}}', IMAGE], 'docker image inspect')) as Record<string, string>;
  if (labels['org.opencontainers.image.version'] !== version)
    throw new TestFailure(`label org.opencontainers.image.version is ${labels['org.opencontainers.image.version']}, package.json says ${version}`);
  if (labels['org.opencontainers.image.licenses'] !== 'MIT') throw new TestFailure('label org.opencontainers.image.licenses is not MIT');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scim-bridge-docker-test-'));
  const project = `scim-bridge-docker-test-${crypto.randomBytes(3).toString('hex')}`;
  const composeArgs = [
    '-p',
    project,
    '--project-directory',
    root,
    '-f',
    composeFileForHostNetwork(dir),
    '-f',
    path.join(__dirname, 'compose.host-network.yml'),
  ];
  const dc = (args: string[], what: string, options: { input?: string; timeoutMs?: number } = {}) =>
    must(compose[0], [...compose.slice(1), ...composeArgs, ...args], what, options);

  let cleanedUp = false;
  const cleanUp = () => {
    if (cleanedUp) return;
    cleanedUp = true;
    say(`stopping and removing project ${project} (containers, volume)`);
    const down = run(compose[0], [...compose.slice(1), ...composeArgs, 'down', '-v', '--remove-orphans', '-t', '10']);
    if (down.code !== 0) console.error(tail(down.stderr));
    fs.rmSync(dir, { recursive: true, force: true });
    const left = run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).stdout.trim();
    const volumes = run('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).stdout.trim();
    if (left || volumes) console.error(`docker-test: left behind: containers ${left || 'none'}, volumes ${volumes || 'none'}`);
  };
  const interrupted = () => {
    cleanUp();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    say(`starting redis, simulator, api, worker (project ${project}; api 127.0.0.1:${ports.api}, simulator :${ports.simulator}, redis :${ports.redis})`);
    dc(['up', '-d', '--no-build'], 'compose up', { timeoutMs: 300_000 });
    const ids = dc(['ps', '-q'], 'compose ps').trim().split('\n').filter(Boolean);
    const services = new Map<string, string>();
    for (const id of ids)
      services.set(must('docker', ['inspect', '-f', '{{index .Config.Labels "com.docker.compose.service"}}', id], 'docker inspect').trim(), id);
    for (const name of ['redis', 'simulator', 'api', 'worker']) if (!services.has(name)) throw new TestFailure(`service ${name} has no container`);

    const waitStarted = Date.now();
    const healthOf = (id: string) =>
      must('docker', ['inspect', '-f', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', id], 'docker inspect').trim();
    for (;;) {
      const states = [...services].map(([name, id]) => [name, healthOf(id)] as const);
      if (states.every(([, s]) => s === 'running healthy')) break;
      const bad = states.find(([, s]) => !s.startsWith('running') || s.endsWith('unhealthy'));
      if (bad || Date.now() - waitStarted > HEALTHY_WITHIN_MS) {
        throw new TestFailure(`not healthy: ${states.map(([n, s]) => `${n} ${s}`).join(', ')}\n${healthLog(services.get((bad ?? states[0])[0])!)}`);
      }
      await sleep(1000);
    }
    say(`all healthy after ${Math.round((Date.now() - waitStarted) / 1000)} s:`);
    for (const [name, id] of services) say(`  ${name}: ${lastHealthOutput(id)}`);

    for (const name of ['simulator', 'api', 'worker']) {
      const image = must('docker', ['inspect', '-f', '{{.Image}}', services.get(name)!], 'docker inspect').trim();
      if (image !== imageId) throw new TestFailure(`${name} runs ${image}, not the built ${IMAGE} (${imageId})`);
    }
    say(`simulator, api and worker run the one image ${imageId.replace(/^sha256:/, '').slice(0, 12)}`);

    const writable = dc(
      [
        'exec',
        '-T',
        'api',
        'node',
        '-e',
        "const fs=require('fs');console.log(['/app','/app/dist/src/main.js','/app/node_modules/bullmq/package.json'].filter(p=>{try{fs.accessSync(p,fs.constants.W_OK);return true}catch{return false}}).join(' '))",
      ],
      'compose exec api node',
    ).trim();
    const user = dc(['exec', '-T', 'api', 'id', '-un'], 'compose exec api id').trim();
    if (user !== 'node' || writable) throw new TestFailure(`the api runs as ${user} and can write: ${writable || 'nothing'}`);
    say('the api runs as node, and /app is read-only to it');

    const created = dc(['exec', '-T', 'api', 'scim-bridge', 'token', 'create', '--name', 'okta'], 'scim-bridge token create in the api container');
    const token = lastLine(created);
    if (!/^\S{32,}$/.test(token)) throw new TestFailure(`token create printed no token: ${JSON.stringify(created)}`);
    say(`token created inside the api container: ${compose.join(' ')} exec -T api scim-bridge token create --name okta`);

    const scim = `http://127.0.0.1:${ports.api}/scim/v2`;
    const headers = [`Authorization: Bearer ${token}`, 'Content-Type: application/scim+json', 'Accept: application/scim+json'];
    const email = `ada.lovelace.${crypto.randomBytes(2).toString('hex')}@example.com`;
    const probe = curlJson('GET', `${scim}/Users?startIndex=1&count=2`, headers);
    if (probe.status !== 200) throw new TestFailure(`Okta's credentials probe answered ${probe.status}: ${JSON.stringify(probe.body)}`);
    const userAnswer = curlJson('POST', `${scim}/Users`, headers, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: email,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ primary: true, value: email, type: 'work' }],
      active: true,
      password: 'okta-placeholder-Aa1!',
    });
    if (userAnswer.status !== 201) throw new TestFailure(`POST /Users answered ${userAnswer.status}: ${JSON.stringify(userAnswer.body)}`);
    const userId = String(userAnswer.body.id);
    const groupName = `Analysts ${crypto.randomBytes(2).toString('hex')}`;
    const groupAnswer = curlJson('POST', `${scim}/Groups`, headers, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: groupName,
      members: [{ value: userId }],
    });
    if (groupAnswer.status !== 201) throw new TestFailure(`POST /Groups answered ${groupAnswer.status}: ${JSON.stringify(groupAnswer.body)}`);
    say(`curl: POST /Users ${userAnswer.status} (${email}), POST /Groups ${groupAnswer.status} (${groupName}, 1 member)`);

    const syncStarted = Date.now();
    for (;;) {
      const state = curlJson('GET', `http://127.0.0.1:${ports.simulator}/SecretServer/_sim/state`, []).body as {
        users: Array<{ id: number; userName: string; displayName: string; enabled: boolean }>;
        groups: Array<{ id: number; name: string; memberIds: number[] }>;
      };
      const ssUser = state.users.find((u) => u.userName === email);
      const ssGroup = state.groups.find((g) => g.name === groupName);
      if (ssUser && ssGroup?.memberIds.includes(ssUser.id)) {
        say(
          `in the simulator after ${((Date.now() - syncStarted) / 1000).toFixed(1)} s: user ${ssUser.id} ${ssUser.userName} ("${ssUser.displayName}", enabled ${ssUser.enabled}), group ${ssGroup.id} "${ssGroup.name}" with it as member`,
        );
        break;
      }
      if (Date.now() - syncStarted > SYNCED_WITHIN_MS) {
        throw new TestFailure(
          `not in the simulator within ${SYNCED_WITHIN_MS / 1000} s: user ${ssUser ? 'there' : 'missing'}, group ${ssGroup ? 'there without the member' : 'missing'}\n${tail(dc(['logs', '--no-color', '--tail', '40', 'worker'], 'compose logs'))}`,
        );
      }
      await sleep(500);
    }
    const scimUser = curlJson('GET', `${scim}/Users/${userId}`, headers).body;
    const link = scimUser['urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User'] as { syncState?: string } | undefined;
    if (link?.syncState) say(`the SCIM user reads syncState ${link.syncState}`);
  } catch (err) {
    // What the containers said helps with any failure once the project is up.
    const logs = run(compose[0], [...compose.slice(1), ...composeArgs, 'logs', '--no-color', '--tail', '20']);
    console.error(tail(logs.stdout + logs.stderr, 80));
    throw err;
  } finally {
    cleanUp();
  }

  const size = must('docker', ['image', 'ls', IMAGE, '--format', '{{.Size}}'], 'docker image ls').trim();
  say(`passed; kept the image: ${IMAGE} ${size} (docker image ls)`);
  return 0;
}

function healthLog(id: string): string {
  const log = run('docker', ['inspect', '-f', '{{if .State.Health}}{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}{{end}}', id]).stdout;
  return `health log of ${id.slice(0, 12)}:\n${tail(log, 12)}`;
}

function lastHealthOutput(id: string): string {
  const out = run('docker', ['inspect', '-f', '{{if .State.Health}}{{range .State.Health.Log}}{{.Output}}{{end}}{{end}}', id]).stdout;
  return lastLine(out);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`docker-test: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
