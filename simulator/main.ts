/**
 * `npm run ss-sim`: a local Secret Server for development, demos and benchmarks.
 *
 *   SS_SIM_PORT (8090)  SS_SIM_HOST (127.0.0.1)
 *   SS_SIM_PROFILE (current): current | legacy (no group PATCH endpoints) | platform (a Delinea
 *     Platform tenant at the root, the vault at /SecretServer)
 *   SS_USERNAME / SS_PASSWORD (scim-bridge / simulator-password, as the bridge's config defaults;
 *     in the platform profile the service user's client_id / client_secret)
 *   SS_SIM_SEED_USERS, SS_SIM_SEED_GROUPS  SS_SIM_LATENCY_MS
 *
 * It prints the URL to set as SS_BASE_URL. Knobs at runtime: curl -XPOST -H 'content-type: application/json' \
 *   -d '{"outage":true}' http://127.0.0.1:8090/SecretServer/_sim/knobs   ({SS_BASE_URL}/_sim/knobs in every profile)
 */
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USERNAME, SIMULATOR_PROFILES, SimulatorProfile, createSimulator } from './simulator-app';

function profileFromEnv(): SimulatorProfile {
  const raw = process.env.SS_SIM_PROFILE;
  if (raw === undefined || raw === '') return 'current';
  if (!(SIMULATOR_PROFILES as readonly string[]).includes(raw)) {
    console.error(`SS_SIM_PROFILE must be one of ${SIMULATOR_PROFILES.join(', ')}, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return raw as SimulatorProfile;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const port = intFromEnv('SS_SIM_PORT', 8090);
  const seedUsers = intFromEnv('SS_SIM_SEED_USERS', 0);
  const seedGroups = intFromEnv('SS_SIM_SEED_GROUPS', 0);
  const latencyMs = intFromEnv('SS_SIM_LATENCY_MS', 0);
  const profile = profileFromEnv();

  const sim = createSimulator({
    profile,
    basePath: '/SecretServer',
    username: process.env.SS_USERNAME || DEFAULT_SIM_USERNAME,
    password: process.env.SS_PASSWORD || DEFAULT_SIM_PASSWORD,
    knobs: { latencyMs },
  });
  if (seedUsers > 0) sim.seedUsers(seedUsers, { disabledRatio: 0.1, blankDisplayNameRatio: 0.1, singleWordNameRatio: 0.05 });
  if (seedGroups > 0) sim.seedGroups(seedGroups, { membersPerGroup: Math.min(8, Math.max(1, seedUsers)), synchronizedRatio: 0.1 });

  // Loopback by default; SS_SIM_HOST=0.0.0.0 lets other containers (docker-compose) reach it.
  const server = await sim.listen(port, process.env.SS_SIM_HOST || '127.0.0.1');
  console.log(`Secret Server simulator (profile ${sim.profile}) listening at ${server.url}`);
  console.log(`  set SS_BASE_URL=${server.url}`);
  if (sim.profile === 'platform') console.log(`  vault (from ${server.url}/vaultbroker/api/vaults): ${server.vaultUrl}`);
  console.log(`  users: ${sim.state.users.size} (incl. the API account), groups: ${sim.state.groups.size}`);
  console.log(`  knobs: POST ${server.url}/_sim/knobs   state: GET ${server.url}/_sim/state   stats: GET ${server.url}/_sim/stats`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) process.exit(1); // a second Ctrl-C forces it
    closing = true;
    console.log(`${signal}: closing the simulator`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('the simulator failed to start:', err);
  process.exit(1);
});
