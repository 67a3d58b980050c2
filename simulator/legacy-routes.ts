/**
 * The 'legacy' profile: an older Secret Server Web API whose group controller predates the
 * PATCH endpoints and the PUT member replace of the 11.2.2 swagger (figovskymaria/
 * authomize-python-provider-secret-server, branch secret_server, docs/GroupsApi.md). The
 * hand-written clients never needed them: thycotic-ps/thycotic.secretserver renames with PUT
 * and edits members one at a time (Add-TssGroupMember, Remove-TssGroupMember).
 */
import { Request, Response, Router } from 'express';

/**
 * What ASP.NET Web API answers when a route matches but no action takes the verb: 405 with its
 * fixed message and an Allow header. Action selection runs before authorization filters, so
 * this comes before the bearer token is checked.
 */
const methodNotAllowed = (allow: string) => (req: Request, res: Response) => {
  res.setHeader('Allow', allow);
  res.status(405).json({ message: `The requested resource does not support http method '${req.method}'.` });
};

/** Mounted on /api/v1/groups ahead of the groups router; everything it does not name falls through. */
export function legacyGroupsRouter(): Router {
  const router = Router();
  router.patch('/:id', methodNotAllowed('GET, PUT, DELETE'));
  router.patch('/:id/users', methodNotAllowed('GET, POST'));
  router.put('/:id/users', methodNotAllowed('GET, POST'));
  return router;
}
