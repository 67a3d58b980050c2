import express from 'express';
import type { AdminService } from '../domain/admin-service';

/**
 * /admin: the queue dashboard (built by queue/queue-dashboard.ts, mounted at /admin/queues) and operator actions. Mounted behind ADMIN_TOKEN by
 * app.ts; the SCIM token never opens it.
 */
export function adminRouter(admin: AdminService, queueDashboard: express.Router): express.Router {
  const router = express.Router();
  router.use('/queues', queueDashboard);

  router.get('/failed', async (_req, res) => {
    res.json({ failed: await admin.listFailed() });
  });
  router.post('/failed/retry', async (req, res) => {
    const body = req.body as { jobId?: unknown } | undefined;
    const jobId = typeof body?.jobId === 'string' ? body.jobId : undefined;
    res.json({ retried: await admin.retryFailed(jobId) });
  });
  router.post('/resync', async (_req, res) => {
    res.status(202).json(await admin.resync());
  });
  router.post('/import', async (_req, res) => {
    res.status(202).json({ jobId: await admin.importNow('admin') });
  });
  router.get('/queue', async (_req, res) => {
    res.json(await admin.queueCounts());
  });
  return router;
}
