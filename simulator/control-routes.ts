/** The simulator's own control API, {url}/_sim/...: knobs, state, seeding, stats, resets. Never counted in stats. */
import express, { Router } from 'express';
import { SimHttpError, simulatorErrorHandler } from './simulator-http';
import { SimulatorKnobs, SimulatorStats, applyKnobs } from './simulator-knobs';
import { SeedGroupsOptions, SeedUsersOptions, seedGroups, seedUsers } from './simulator-seed';
import type { SimUser, SimulatorState } from './simulator-state';

export interface ControlContext {
  profile: string;
  state: SimulatorState;
  knobs: SimulatorKnobs;
  stats: SimulatorStats;
  reset(): void;
  expireAllTokens(): void;
  restoreBackup(options: { strangers?: number }): SimUser[];
}

const badControl = (message: string) => new SimHttpError(400, { message });

export function controlRouter(ctx: ControlContext): Router {
  const { state, knobs, stats } = ctx;
  const sim = Router();
  sim.use(express.json());
  sim.get('/knobs', (_req, res) => {
    res.json(knobs);
  });
  sim.post('/knobs', (req, res) => {
    try {
      res.json(applyKnobs(knobs, req.body));
    } catch (err) {
      throw badControl((err as Error).message);
    }
  });
  sim.get('/state', (_req, res) => {
    res.json({ ...state.snapshot(), knobs, profile: ctx.profile });
  });
  sim.post('/reset', (_req, res) => {
    ctx.reset();
    res.json({ ok: true });
  });
  sim.post('/restore-backup', (req, res) => {
    const strangers = (req.body as { strangers?: unknown } | undefined)?.strangers;
    if (strangers !== undefined && !(Number.isInteger(strangers) && (strangers as number) >= 0)) throw badControl('strangers must be a non-negative integer');
    const users = ctx.restoreBackup({ strangers: strangers as number | undefined });
    res.json({ ok: true, users: users.map((u) => ({ id: u.id, userName: u.userName })) });
  });
  sim.post('/seed', (req, res) => {
    const body = (req.body ?? {}) as { users?: number; groups?: number; userOptions?: SeedUsersOptions; groupOptions?: SeedGroupsOptions };
    const users = seedUsers(state, Number(body.users ?? 0), body.userOptions);
    const groups = seedGroups(state, Number(body.groups ?? 0), body.groupOptions);
    res.json({ users: users.length, groups: groups.length });
  });
  sim.get('/stats', (_req, res) => {
    res.json(stats);
  });
  sim.post('/stats/reset', (_req, res) => {
    stats.reset();
    res.json({ ok: true });
  });
  sim.post('/expire-tokens', (_req, res) => {
    ctx.expireAllTokens();
    res.json({ ok: true });
  });
  sim.use(simulatorErrorHandler);
  return sim;
}
