/**
 * The Secret Server simulator in its own process, so its CPU (an in-memory fake behind Express)
 * is not billed to the bridge or the load generator. Commands: seed, stats, knobs, and the
 * completion check of the end-to-end run.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulator } from '../ss-sim/simulator-app';
import { prng } from '../ss-sim/simulator-seed';
import { LOCAL_DOMAIN_ID } from '../ss-sim/simulator-state';
import { serveRpc } from './child-rpc';

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Radia', 'Linus', 'Hedy', 'Élodie', 'Zoë', 'Seán'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', "O'Brien", 'van Rossum', 'Müller', 'García'];

async function main(): Promise<void> {
  const sim = createSimulator({ basePath: '/SecretServer' });
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
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${sim.basePath}`;

  /**
   * The import phase's directory: simulator.seedUsers' mix (10% disabled, 10% blank display
   * names, 5% one-word names, half named by email), but with a serial number in every name, so
   * every email is unique and every seeded user is imported (the README's figures assume this).
   */
  const seedUsers = ({ count, emailDomain = 'seed.example.com' }: { count: number; emailDomain?: string }) => {
    const random = prng(4242 + sim.state.users.size);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    for (let i = 0; i < count; i++) {
      const first = pick(FIRST);
      const oneWord = random() < 0.05;
      const last = oneWord ? '' : pick(LAST);
      const local = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase() + (sim.state.users.size + 1);
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
    },
    { url },
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench simulator child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
