/**
 * The audit log as a subscriber of the domain-event bus: every event this process publishes
 * becomes one audit entry. Events of other processes (`remote`) are theirs to audit, so a
 * deployment of several processes writes each event once.
 */
import type { AnyDomainEvent, EventBus } from '../../platform/events/bus.js';
import type { AuditEntry, AuditLog } from './audit-service.js';

/** What each event acted on, and the detail worth keeping (never a secret: events carry none). */
export function auditEntryOf(event: AnyDomainEvent): AuditEntry {
  const actor = event.actor;
  const base = {
    kind: event.type,
    at: event.at,
    actor: actor.kind,
    actorName: actor.kind === 'cli' ? (actor.user ?? null) : null,
    address: actor.kind === 'admin_key' || actor.kind === 'anonymous' ? (actor.address ?? null) : null,
    route: actor.kind === 'admin_key' ? (actor.route ?? null) : null,
  };
  switch (event.type) {
    case 'api_key.created':
      return { ...base, objectType: 'api_key', objectId: event.payload.apiKey.id, detail: { after: event.payload.apiKey } };
    case 'api_key.revoked':
      return { ...base, objectType: 'api_key', objectId: event.payload.id, detail: {} };
    case 'auth_key.created':
      return { ...base, objectType: 'auth_key', objectId: event.payload.authKey.id, detail: { after: event.payload.authKey } };
    case 'auth_key.updated':
      return { ...base, objectType: 'auth_key', objectId: event.payload.id, detail: { before: event.payload.before, after: event.payload.after } };
    case 'auth_key.deleted':
      return { ...base, objectType: 'auth_key', objectId: event.payload.id, detail: {} };
    case 'auth_rule.created':
      return { ...base, objectType: 'auth_rule', objectId: event.payload.rule.id, detail: { after: event.payload.rule } };
    case 'auth_rule.updated':
      return { ...base, objectType: 'auth_rule', objectId: event.payload.id, detail: { before: event.payload.before, after: event.payload.after } };
    case 'auth_rule.deleted':
      return { ...base, objectType: 'auth_rule', objectId: event.payload.id, detail: event.payload.before !== undefined ? { before: event.payload.before } : {} };
    case 'user.revoked':
      return { ...base, objectType: 'user', objectId: event.payload.userId, detail: {} };
    case 'session.revoked':
      return { ...base, objectType: 'session', objectId: event.payload.familyId, detail: { reason: event.payload.reason } };
    case 'user.memories_erased':
      return { ...base, objectType: 'user', objectId: event.payload.userId, detail: { erased: event.payload.erased } };
    case 'signing_key.rotated':
      return { ...base, objectType: 'signing_key', objectId: event.payload.kid, detail: {} };
    case 'model_provider.created':
      return { ...base, objectType: 'model_provider', objectId: event.payload.provider.id, detail: { after: event.payload.provider } };
    case 'model_provider.updated':
      return { ...base, objectType: 'model_provider', objectId: event.payload.id, detail: { after: event.payload.after } };
    case 'model_provider.deleted':
      return { ...base, objectType: 'model_provider', objectId: event.payload.id, detail: {} };
    case 'agent.created':
      return { ...base, objectType: 'agent', objectId: event.payload.agent.id, detail: { after: event.payload.agent } };
    case 'agent.updated':
      return { ...base, objectType: 'agent', objectId: event.payload.id, detail: { after: event.payload.after } };
    case 'agent.deleted':
      return { ...base, objectType: 'agent', objectId: event.payload.id, detail: {} };
    case 'auth.failed': {
      const { code, credential, address, route, counted } = event.payload;
      return { ...base, address, route, objectType: null, objectId: null, detail: { code, credential, counted } };
    }
  }
}

/**
 * Events that are no admin action nor authentication failure, so not audited: the server's own
 * revocation of an anonymous session (a refresh token reused, a session claimed).
 */
const NOT_AUDITED: ReadonlySet<AnyDomainEvent['type']> = new Set(['session.revoked']);

/**
 * @example
 * const stop = subscribeAuditLog(bus, audit)
 */
export function subscribeAuditLog(bus: EventBus, audit: AuditLog): () => void {
  return bus.subscribe('*', (event) => {
    if (!event.remote && !NOT_AUDITED.has(event.type)) audit.record(auditEntryOf(event));
  });
}
