/**
 * Realistic seed data for the simulator: the awkward cases an import meets in a real Secret
 * Server (blank display names, single-word names, disabled users, directory groups) on purpose.
 * Deterministic for a given seed, so tests can count on it.
 */
import { AD_DOMAIN, LOCAL_DOMAIN_ID, SimGroup, SimUser, SimulatorState } from './simulator-state';

const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Margaret',
  'Ken',
  'Radia',
  'Linus',
  'Frances',
  'John',
  'Hedy',
  'Tim',
  'Katherine',
  'Dennis',
  'Shafi',
  'Niklaus',
  'Sophie',
  'Anita',
  'Leslie',
  'Ivan',
  'Mary',
  'Bjarne',
  'Adele',
  'Guido',
  'Jean',
  'Vint',
  'Lynn',
  'Whitfield',
  'Élodie',
  'Zoë',
  'Seán',
  'Søren',
  'José',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Hamilton',
  'Thompson',
  'Perlman',
  'Torvalds',
  'Allen',
  'Backus',
  'Lamarr',
  'Berners-Lee',
  'Johnson',
  'Ritchie',
  'Goldwasser',
  'Wirth',
  'Wilson',
  'Borg',
  'Lamport',
  'Sutherland',
  'Keller',
  'Stroustrup',
  'Goldberg',
  'van Rossum',
  "O'Brien",
  'Cerf',
  'Conway',
  'Diffie',
  'Müller',
  'García',
  'Nakamura',
];
const MONONYMS = ['Cher', 'Prince', 'Madonna', 'Bono', 'Sting', 'Pelé', 'Björk', 'Zendaya'];
const GROUP_NAMES = [
  'Engineering',
  'Finance',
  'IT Admins',
  'Help Desk',
  'Security Operations',
  'Database Admins',
  'Network Team',
  'Human Resources',
  'Auditors',
  'Developers',
  'Cloud Platform',
  'Contractors',
  'Executives',
  'Support Tier 2',
  'Payroll',
];

export interface SeedUsersOptions {
  /** Share created disabled (default 0.1). */
  disabledRatio?: number;
  /** Share with an empty displayName (default 0.1). */
  blankDisplayNameRatio?: number;
  /** Share with a single-word displayName (default 0.05). */
  singleWordNameRatio?: number;
  /** Share that are directory (AD) users (default 0). */
  directoryRatio?: number;
  emailDomain?: string;
  seed?: number;
}

export interface SeedGroupsOptions {
  /** Members per group, drawn from existing non-API users (default 5). */
  membersPerGroup?: number;
  /** Share of directory-synchronised groups, whose membership cannot be edited (default 0.1). */
  synchronizedRatio?: number;
  /** Share created disabled (default 0). */
  disabledRatio?: number;
  seed?: number;
}

/** Small deterministic PRNG (mulberry32), so seeded data is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const slug = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');

/**
 * `wanted`, or the first free `local<n>` (n = 2, 3, ...). `nextSuffix` remembers, per wanted name,
 * the n to start from: users are never removed, so every smaller n is still taken, and the answer
 * is the same as counting from 2 each time without the quadratic walk over a popular name.
 */
function uniqueUserName(state: SimulatorState, wanted: string, nextSuffix: Map<string, number>): string {
  if (!state.findUserByUserName(wanted)) return wanted;
  const [local, domain] = wanted.includes('@') ? wanted.split('@') : [wanted, undefined];
  for (let n = nextSuffix.get(wanted) ?? 2; ; n++) {
    const candidate = domain ? `${local}${n}@${domain}` : `${local}${n}`;
    if (!state.findUserByUserName(candidate)) {
      nextSuffix.set(wanted, n + 1);
      return candidate;
    }
  }
}

export function seedUsers(state: SimulatorState, count: number, options: SeedUsersOptions = {}): SimUser[] {
  const random = prng(options.seed ?? 42 + state.users.size);
  const emailDomain = options.emailDomain ?? 'example.com';
  const created: SimUser[] = [];
  const nextSuffix = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const singleWord = random() < (options.singleWordNameRatio ?? 0.05);
    const first = singleWord ? MONONYMS[Math.floor(random() * MONONYMS.length)] : FIRST[Math.floor(random() * FIRST.length)];
    const last = singleWord ? '' : LAST[Math.floor(random() * LAST.length)];
    const local = last ? `${slug(first)}.${slug(last)}` : slug(first);
    const directory = random() < (options.directoryRatio ?? 0);
    // Half the users are named by their email, the rest by a short login, as real tenants mix both.
    const userName = uniqueUserName(state, random() < 0.5 ? `${local}@${emailDomain}` : local, nextSuffix);
    const emailLocal = userName.includes('@') ? userName.split('@')[0] : userName;
    const blank = random() < (options.blankDisplayNameRatio ?? 0.1);
    created.push(
      state.addUser({
        userName,
        displayName: blank ? '' : last ? `${first} ${last}` : first,
        emailAddress: `${emailLocal}@${emailDomain}`,
        enabled: !(random() < (options.disabledRatio ?? 0.1)),
        domainId: directory ? AD_DOMAIN.id : LOCAL_DOMAIN_ID,
        created: new Date(Date.UTC(2019, 0, 1) + Math.floor(random() * 5 * 365 * 86400000)).toISOString(),
      }),
    );
  }
  return created;
}

export function seedGroups(state: SimulatorState, count: number, options: SeedGroupsOptions = {}): SimGroup[] {
  const random = prng(options.seed ?? 7 + state.groups.size);
  const candidates = [...state.users.values()].filter((u) => u.id !== state.apiUserId).map((u) => u.id);
  const perGroup = Math.min(options.membersPerGroup ?? 5, candidates.length);
  const created: SimGroup[] = [];
  for (let i = 0; i < count; i++) {
    const base = GROUP_NAMES[(state.groups.size + i) % GROUP_NAMES.length];
    let name = base;
    for (let n = 2; state.findGroupByName(name, LOCAL_DOMAIN_ID) || state.findGroupByName(name, AD_DOMAIN.id); n++) name = `${base} ${n}`;
    const synchronized = random() < (options.synchronizedRatio ?? 0.1);
    const members = new Set<number>();
    while (members.size < perGroup) members.add(candidates[Math.floor(random() * candidates.length)]);
    created.push(
      state.addGroup({
        name,
        enabled: !(random() < (options.disabledRatio ?? 0)),
        domainId: synchronized ? AD_DOMAIN.id : LOCAL_DOMAIN_ID,
        synchronized,
        memberIds: members,
      }),
    );
  }
  return created;
}
