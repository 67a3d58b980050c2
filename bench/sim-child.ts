/**
 * The Secret Server simulator in its own process, so its CPU (an in-memory fake behind Express)
 * is not billed to the bridge or the load generator. Commands: seed, stats, knobs, and the
 * completion checks of the end-to-end and calls runs. SS_SIM_PROFILE picks the profile, as for
 * `npm run ss-sim` (current when unset).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIMULATOR_PROFILES, SimulatorProfile, createSimulator } from '../simulator/simulator-app';
import { prng } from '../simulator/simulator-seed';
import { LOCAL_DOMAIN_ID } from '../simulator/simulator-state';
import { serveRpc } from './child-rpc';

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Radia', 'Linus', 'Hedy', 'Élodie', 'Zoë', 'Seán'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', "O'Brien", 'van Rossum', 'Müller', 'García'];

function profileFromEnv(): SimulatorProfile {
  const raw = process.env.SS_SIM_PROFILE;
  if (raw === undefined || raw === '') return 'current';
  if (!(SIMULATOR_PROFILES as readonly string[]).includes(raw))
    throw new Error(`SS_SIM_PROFILE must be one of ${SIMULATOR_PROFILES.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as SimulatorProfile;
}

async function main(): Promise<void> {
  const sim = createSimulator({ profile: profileFromEnv(), basePath: '/SecretServer' });
  // Our own server around the simulator's app, to time each call from arrival to last byte:
  // the latency knob plus whatever the simulator's own CPU and queueing add.
  let calls = 0;
  let inServerMs = 0;
  const server = http.createServer((req, res) => {
    const started = performance.now();
    res.on('finish', () => {
      calls++;
      inServerMs += performance.now() - started;
    });
    sim.app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // What an admin would set as SS_BASE_URL: the Platform tenant's root in that profile, else the vault.
  const url = sim.profile === 'platform' ? origin : `${origin}${sim.basePath}`;

  /**
   * The import phase's directory: simulator.seedUsers' mix (10% disabled, 10% blank display
   * names, 5% one-word names, half named by email), but with a serial number in every name, so
   * every email is unique and every seeded user is imported (the figures in docs/performance.md assume this).
   */
  const seedUsers = ({ count, emailDomain = 'seed.example.com' }: { count: number; emailDomain?: string }) => {
    const random = prng(4242 + sim.state.users.size);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    for (let i = 0; i < count; i++) {
      const first = pick(FIRST);
      const oneWord = random() < 0.05;
      const last = oneWord ? '' : pick(LAST);
      const local =
        `${first}.${last}`
          .normalize('NFD')
          .replace(/[^A-Za-z]/g, '')
          .toLowerCase() +
        (sim.state.users.size + 1);
      const email = `${local}@${emailDomain}`;
      sim.state.addUser({
        userName: random() < 0.5 ? email : local,
        displayName: random() < 0.1 ? '' : oneWord ? first : `${first} ${last}`,
        emailAddress: email,
        enabled: random() >= 0.1,
        domainId: LOCAL_DOMAIN_ID,
        password: 'Seeded-Passw0rd!',
      });
    }
    return { users: sim.state.users.size };
  };

  serveRpc(
    {
      stop: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
      seedUsers,
      seedGroups: ({ count, membersPerGroup }: { count: number; membersPerGroup: number }) => {
        sim.seedGroups(count, { membersPerGroup, synchronizedRatio: 0 });
        return { groups: sim.state.groups.size };
      },
      setKnobs: (knobs: Record<string, unknown>) => sim.setKnobs(knobs),
      reset: () => sim.reset(),
      stats: () => ({ ...sim.stats.toJSON(), meanInServerMs: calls ? inServerMs / calls : 0 }),
      resetStats: () => {
        sim.stats.reset();
        calls = 0;
        inServerMs = 0;
      },
      /** How much of the end-to-end push has landed: users with the bench domain, complete groups. */
      e2eStatus: ({ emailDomain, groupPrefix, membersPerGroup }: { emailDomain: string; groupPrefix: string; membersPerGroup: number }) => {
        let users = 0;
        for (const u of sim.state.users.values()) if (u.enabled && u.emailAddress?.endsWith(`@${emailDomain}`)) users++;
        let groups = 0;
        for (const g of sim.state.groups.values()) if (g.name.startsWith(groupPrefix) && g.memberIds.size === membersPerGroup) groups++;
        return { users, groups };
      },
      /**
       * The calls run's completion check: enabled users with the domain, and the emails of one
       * group's members (null while the group does not exist), so the driver can compare the
       * membership with the one it asked for rather than only its size.
       */
      callsStatus: ({ emailDomain, groupName }: { emailDomain: string; groupName: string }) => {
        let users = 0;
        for (const u of sim.state.users.values()) if (u.enabled && u.emailAddress?.endsWith(`@${emailDomain}`)) users++;
        const group = [...sim.state.groups.values()].find((g) => g.name === groupName);
        const memberEmails = group ? [...group.memberIds].map((id) => sim.state.users.get(id)?.emailAddress ?? `#${id}`).sort() : null;
        return { users, memberEmails };
      },
    },
    { url, profile: sim.profile },
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench simulator child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
