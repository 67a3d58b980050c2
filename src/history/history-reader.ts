import type { ResourceKind } from '../domain/resource-types';
import type { UniqueIndex } from '../store/redis-keys';
import type { ResourceStore } from '../store/resource-store';
import type { HistoryEvent, HistorySubject, ScimRequestEvent } from './history-event';
import type { ResourceHistory } from './resource-history';

/** How a typed reference is looked up after the SCIM ids, in this order. */
const LOOKUPS: Array<[ResourceKind, UniqueIndex]> = [
  ['User', 'email'],
  ['User', 'userName'],
  ['User', 'externalId'],
  ['Group', 'displayName'],
  ['Group', 'externalId'],
];

/** The reads behind `npm run admin -- history <email|id>` and the console's history page. */
export class HistoryReader {
  constructor(
    private readonly store: ResourceStore,
    private readonly history: ResourceHistory,
  ) {}

  /**
   * The user or group a typed reference names: a SCIM id (of a stored resource, or of a deleted
   * one whose history is still kept), else a user's email, userName or externalId, else a group's
   * displayName or externalId, through the store's unique indexes (one read each, never a scan).
   */
  async find(reference: string): Promise<HistorySubject | null> {
    const wanted = reference.trim();
    if (wanted === '') return null;
    for (const kind of ['User', 'Group'] as const) {
      if ((await this.store.existingIds(kind, [wanted])).size > 0 || (await this.history.has(kind, wanted))) return { kind, id: wanted };
    }
    for (const [kind, index] of LOOKUPS) {
      const id = await this.store.findIdByIndex(kind, index, wanted);
      if (id) return { kind, id };
    }
    return null;
  }

  /** The SCIM request with this request id in the subject's history (what caused a job run), when still kept. */
  async request(subject: HistorySubject, requestId: string | undefined): Promise<ScimRequestEvent | undefined> {
    if (!requestId) return undefined;
    const events = await this.history.read(subject.kind, subject.id);
    return events.find((e): e is ScimRequestEvent => e.type === 'scim' && e.requestId === requestId);
  }

  /** The subject's events, newest first. */
  events(subject: HistorySubject, limit?: number): Promise<HistoryEvent[]> {
    return this.history.read(subject.kind, subject.id, limit);
  }
}

/** One line of an event for a table or a page: when, what, which request, and the rest. */
export interface EventSummary {
  at: string;
  what: string;
  requestId?: string;
  detail: string;
}

export function summarizeEvent(event: HistoryEvent): EventSummary {
  switch (event.type) {
    case 'scim':
      return {
        at: event.at,
        what: `SCIM ${event.method}`,
        requestId: event.requestId,
        detail: [
          event.changed.length ? `changed ${event.changed.join(', ')}` : event.method === 'DELETE' ? 'deleted' : 'no attribute changed',
          event.version === undefined ? '' : `version ${event.version}`,
          event.note ?? '',
        ]
          .filter(Boolean)
          .join('; '),
      };
    case 'job':
      return {
        at: event.at,
        what: `job ${event.job}: ${event.outcome}`,
        requestId: event.requestId,
        detail: [
          `attempt ${event.attempt}`,
          event.secretServerId === undefined ? '' : `Secret Server id ${event.secretServerId}`,
          `${event.durationMs} ms`,
          event.detail ?? '',
          event.jobId ? `job ${event.jobId}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      };
    case 'secret-server':
      return { at: event.at, what: `Secret Server ${event.endpoint}`, detail: `answered ${event.status} in ${event.durationMs} ms` };
    case 'protected':
      return {
        at: event.at,
        what: 'protected account refused',
        requestId: event.requestId,
        detail: `Secret Server user ${event.secretServerId}: ${event.reason}; nothing was written`,
      };
  }
}
