import express from 'express';
import type { AuthScheme } from '../config/auth-schemes';
import { MethodNotAllowedError, NotFoundError } from '../errors/bridge-error';
import { resourceTypesList, schemasList, serviceProviderConfig } from '../scim/schema/scim-schemas';
import { scimBaseUrl } from './resource-router';
import { sendScim } from './scim-response';

/**
 * /ServiceProviderConfig, /ResourceTypes, /Schemas (RFC 7644 §4): read-only, other methods get 405.
 * `authSchemes`: the enabled ones (SCIM_AUTH_SCHEMES), which /ServiceProviderConfig lists.
 */
export function discoveryRouter(authSchemes?: readonly AuthScheme[]): express.Router {
  const router = express.Router();
  router.get('/ServiceProviderConfig', (req, res) => sendScim(res, 200, serviceProviderConfig(scimBaseUrl(req), undefined, authSchemes)));
  router.get('/ResourceTypes', (req, res) => sendScim(res, 200, resourceTypesList(scimBaseUrl(req))));
  router.get('/ResourceTypes/:name', (req, res) => {
    const list = resourceTypesList(scimBaseUrl(req)) as { Resources: Array<Record<string, unknown>> };
    const found = list.Resources.find((r) => String(r.name).toLowerCase() === String(req.params.name).toLowerCase());
    if (!found) throw new NotFoundError(`Resource type ${req.params.name} not found`);
    sendScim(res, 200, found);
  });
  router.get('/Schemas', (req, res) => sendScim(res, 200, schemasList(scimBaseUrl(req))));
  router.get('/Schemas/:id', (req, res) => {
    const list = schemasList(scimBaseUrl(req)) as { Resources: Array<Record<string, unknown>> };
    const found = list.Resources.find((r) => String(r.id).toLowerCase() === String(req.params.id).toLowerCase());
    if (!found) throw new NotFoundError(`Schema ${req.params.id} not found`);
    sendScim(res, 200, found);
  });
  for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/ResourceTypes/:name', '/Schemas', '/Schemas/:id']) {
    router.all(path, (req) => {
      throw new MethodNotAllowedError(req.method);
    });
  }
  return router;
}
