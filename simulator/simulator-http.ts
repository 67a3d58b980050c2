/** HTTP helpers shared by the simulator's routers: error bodies, query reading, paging. */
import type { NextFunction, Request, Response } from 'express';
import { ACCESS_DENIED_ERROR_CODE, EXPIRED_TOKEN_MESSAGE } from '../src/secret-server/secret-server-errors';
import type { BadRequestResponse, InternalServerErrorResponse } from '../src/secret-server/secret-server-types';

export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
  ) {
    super(`simulated ${status}`);
  }
}

export const badRequest = (message: string, extra: Omit<BadRequestResponse, 'message'> = {}) => new SimHttpError(400, { message, ...extra });

/** Absent and forbidden look the same (DelineaXPM/terraform-provider-tss delinea/sdk_errors.go): 400 API_AccessDenied, never 404. */
export const accessDenied = () => new SimHttpError(400, { errorCode: ACCESS_DENIED_ERROR_CODE, message: 'Access denied' });

/**
 * Disabling or deleting the calling user, a system user or a Platform service user: the errorCode
 * of "absent" (terraform-provider-tss delinea/sdk_errors.go), so the answer alone cannot tell a
 * refusal from a missing user; nothing changes.
 */
export const disableRefused = () => new SimHttpError(400, { errorCode: ACCESS_DENIED_ERROR_CODE, message: 'Access Denied' });

/** ASP.NET model-validation failure. */
export const invalidModel = (modelState: Record<string, string[]>) => badRequest('The request is invalid.', { modelState });

export const expiredToken = () => new SimHttpError(403, { message: EXPIRED_TOKEN_MESSAGE });

/** Query parameters are matched case-insensitively, as ASP.NET model binding does. */
export function queryValue(req: Request, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(req.query as Record<string, unknown>)) {
    if (key.toLowerCase() !== wanted) continue;
    const v: unknown = Array.isArray(value) ? value[value.length - 1] : value;
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

export function queryBool(req: Request, name: string, fallback = false): boolean {
  const v = queryValue(req, name);
  if (v === undefined || v === '') return fallback;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw invalidModel({ [name]: [`The value '${v}' is not valid for ${name}.`] });
}

function queryInt(req: Request, name: string, fallback: number): number {
  const v = queryValue(req, name);
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) > 2147483647) throw invalidModel({ [name]: [`The value '${v}' is not valid for ${name}.`] });
  return Number(v);
}

/** Secret Server's default page is small; a client that forgets take= sees only the first 10. */
export const DEFAULT_TAKE = 10;

export function pagingParams(req: Request): { skip: number; take: number } {
  return { skip: queryInt(req, 'skip', 0), take: queryInt(req, 'take', DEFAULT_TAKE) };
}

export function sortParams(req: Request): { name?: string; desc: boolean } {
  const name = queryValue(req, 'sortBy[0].name');
  return { name: name?.toLowerCase(), desc: /^desc$/i.test(queryValue(req, 'sortBy[0].direction') ?? '') };
}

/**
 * Sorts a copy; ties keep their input (id) order in both directions, so paging with skip/take is
 * stable. Text compares case-insensitively, as Secret Server's SQL Server collation (CI) does; keys
 * are computed once per item, so a sort of 100,000 users costs milliseconds, not seconds.
 */
export function sortBy<T>(items: T[], key: ((t: T) => string | number) | undefined, desc: boolean): T[] {
  if (!key) return items;
  const direction = desc ? -1 : 1;
  const decorated = items.map((item, index) => {
    const k = key(item);
    return { item, index, k: typeof k === 'number' ? k : String(k).toLowerCase() };
  });
  decorated.sort((a, b) => {
    const order = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
    return order === 0 ? a.index - b.index : direction * order;
  });
  return decorated.map((d) => d.item);
}

export function idParam(req: Request, name = 'id'): number {
  const raw = (req.params as Record<string, string>)[name];
  if (!/^\d+$/.test(raw ?? '') || Number(raw) > 2147483647) {
    throw badRequest('The request is invalid.', { messageDetail: `The value '${raw}' is not valid for ${name}.` });
  }
  return Number(raw);
}

export function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidModel({ args: ['The args field is required.'] });
  return body as Record<string, unknown>;
}

/** A field of a PATCH body: applied only when sent as {dirty:true, value}. */
export function dirty(body: Record<string, unknown>, key: string): { value: unknown } | undefined {
  const field = body[key];
  if (!field || typeof field !== 'object') return undefined;
  const f = field as { dirty?: unknown; value?: unknown };
  return f.dirty === true ? { value: f.value } : undefined;
}

export function intArray(value: unknown, field: string): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v))) throw invalidModel({ [field]: [`The ${field} field must be an array of integers.`] });
  return value as number[];
}

/** Last handler: SimHttpError as given, body-parser failures as 400, anything else as the swagger's 500 InternalServerErrorResponse. */
export function simulatorErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  if (err instanceof SimHttpError) {
    res.status(err.status).json(err.body);
    return;
  }
  const status = (err as { status?: number; type?: string }).status;
  if (status === 400 || status === 413 || status === 415) {
    res.status(400).json({ message: 'The request is invalid.', messageDetail: (err as Error).message });
    return;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const body: InternalServerErrorResponse = {
    message: 'An error has occurred.',
    exceptionMessage: e.message,
    exceptionType: `System.${e.name}`,
    stackTrace: e.stack ?? '',
  };
  res.status(500).json(body);
}
