import express, { Request } from 'express';
import { publicOrigin } from './public-origin';
import type { ImportRefresh } from '../domain/import-refresh';
import type { ResourceService, ResourceView } from '../domain/resource-service';
import type { ResourceKind } from '../domain/resource-types';
import { BadRequestError, InvalidFilterError, MethodNotAllowedError, NotFoundError, PreconditionFailedError } from '../errors/bridge-error';
import { listResponse, parsePaging } from '../scim/list-response';
import { etagOf, projectAttributes, renderResource } from '../scim/resource/resource-renderer';
import { sendScim } from './scim-response';

const MAX_ID_LENGTH = 200;

/** /Users or /Groups (RFC 7644 §3.2-3.6). Thin: parse the request, call the service, render. */
export function resourceRouter(kind: ResourceKind, service: ResourceService, importRefresh?: ImportRefresh): express.Router {
  const router = express.Router();

  router.get('/', async (req, res) => {
    const { startIndex, count } = parsePaging({ startIndex: req.query.startIndex, count: req.query.count });
    const filter = singleQueryValue(req, 'filter');
    if (filter !== undefined && filter.length === 0) throw new InvalidFilterError('The filter parameter is empty');
    // The first page of Okta's import pass; Test API Credentials asks for count=2, a constant
    // (Okta's SCIM 2.0 protocol reference), and must not wait for an import.
    if (importRefresh && filter === undefined && startIndex === 1 && count > 2) await importRefresh.beforeImportPass(req.requestId);
    const { total, views } = await service.list(kind, { filter, startIndex, count });
    // The base URL once per page, not per resource: req.protocol evaluates the trust-proxy rule.
    const baseUrl = scimBaseUrl(req);
    const resources = views.map((view) => project(req, renderResource(view.resource, { baseUrl, link: view.link })));
    sendScim(res, 200, listResponse(resources, total, startIndex));
  });

  router.post('/', async (req, res) => {
    const view = await service.create(kind, req.body, req.requestId);
    const body = render(req, view);
    sendScim(res, 201, project(req, body), {
      Location: (body.meta as { location: string }).location,
      ETag: etagOf(view.resource),
    });
  });

  router.get('/:id', async (req, res) => {
    const view = await service.get(kind, resourceId(req, kind));
    if (!view) throw new NotFoundError(`${kind} ${req.params.id} not found`);
    sendScim(res, 200, project(req, render(req, view)), { ETag: etagOf(view.resource) });
  });

  router.put('/:id', async (req, res) => {
    const view = await service.replace(kind, resourceId(req, kind), req.body, ifMatchVersion(req), req.requestId);
    sendScim(res, 200, project(req, render(req, view)), { ETag: etagOf(view.resource) });
  });

  router.patch('/:id', async (req, res) => {
    const view = await service.patch(kind, resourceId(req, kind), req.body, ifMatchVersion(req), req.requestId);
    // RFC 7644 §3.5.2: 204 instead of the resource, for a group too large to echo per change.
    if (view.membersOmitted) return sendScim(res, 204, undefined, { ETag: etagOf(view.resource) });
    sendScim(res, 200, project(req, render(req, view)), { ETag: etagOf(view.resource) });
  });

  router.delete('/:id', async (req, res) => {
    await service.remove(kind, resourceId(req, kind), req.requestId);
    sendScim(res, 204);
  });

  router.all('/', (req) => {
    throw new MethodNotAllowedError(req.method);
  });
  router.all('/:id', (req) => {
    throw new MethodNotAllowedError(req.method);
  });

  function render(req: Request, view: ResourceView): Record<string, unknown> {
    return renderResource(view.resource, { baseUrl: scimBaseUrl(req), link: view.link });
  }

  return router;
}

/** The public base URL of this SCIM service (public-origin.ts), for meta.location. */
export function scimBaseUrl(req: Request): string {
  return `${publicOrigin(req)}${req.baseUrl.replace(/\/(Users|Groups)$/i, '')}`;
}

function project(req: Request, body: Record<string, unknown>): Record<string, unknown> {
  const attributes = singleQueryValue(req, 'attributes');
  const excludedAttributes = singleQueryValue(req, 'excludedAttributes');
  if (attributes === undefined && excludedAttributes === undefined) return body;
  return projectAttributes(body, { attributes, excludedAttributes });
}

/** Any id we could not have issued is simply unknown: 404, never 400 (Okta SPEC test steps 4, 12). */
function resourceId(req: Request, kind: ResourceKind): string {
  const id = String(req.params.id);
  if (id.length === 0 || id.length > MAX_ID_LENGTH) throw new NotFoundError(`${kind} not found`);
  return id;
}

function singleQueryValue(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw name === 'filter' ? new InvalidFilterError('Give exactly one filter parameter') : new BadRequestError(`Give ${name} once`);
  }
  return value;
}

/** If-Match: W/"3" or "3" (RFC 7644 §3.14); `*` matches any version. */
function ifMatchVersion(req: Request): number | undefined {
  const header = req.header('if-match');
  if (!header || header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!match) throw new PreconditionFailedError('If-Match does not name a version of this resource');
  return Number(match[1]);
}
