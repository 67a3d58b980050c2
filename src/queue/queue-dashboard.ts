import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type express from 'express';

/**
 * The BullMQ dashboard (@bull-board, https://github.com/felixmosh/bull-board) over the bridge's
 * queues, as an Express router for /admin to mount at `basePath`. Built here, beside the queues,
 * so the HTTP layer never holds a BullMQ queue.
 */
export function queueDashboard(queues: Queue[], basePath: string): express.Router {
  const board = new ExpressAdapter();
  board.setBasePath(basePath);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });
  return board.getRouter() as express.Router;
}
