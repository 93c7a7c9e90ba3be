/**
 * Domain events: what happened, said once by the code that made it happen, heard by whoever cares
 * (the audit log, metrics; later revocation and realtime). A typed union of event types and their
 * payloads; a subscriber names the types it wants, or `*` for all.
 *
 * In process, `publish` calls every subscriber synchronously, in subscription order, and returns:
 * a subscriber that throws is logged and the others still run; nothing a subscriber does can fail
 * or delay the publisher beyond the subscriber's own synchronous work (so subscribers queue, they
 * never await: the audit log's queue, audit-service.ts). One kind of work must be done before the
 * publisher answers: the revocation epoch's (auth/revocation-epoch.ts), since a revocation succeeds
 * only once every process can learn of it. Such a subscriber returns a promise for that work, and a
 * publisher that must wait for it calls `publishAndWait` (the services that revoke or create
 * credentials). The promise never rejects the publisher: a failure is logged.
 *
 * Between processes, with REDIS_URL: each event is also published on the Redis channel
 * `<THREADGATE_REDIS_KEY_PREFIX>events` (fire and forget: a failure is logged, never thrown), and
 * every process delivers the others' events to its subscribers with `remote: true`. A process
 * ignores its own messages (each bus has a random origin id). Redis pub/sub is at most once: a
 * message sent while a subscriber is disconnected is lost, so nothing that must not be missed
 * rests on the bus alone (revocation keeps its database poll, auth/revocation-epoch.ts).
 * `session.revoked` is carried too, for subscribers to come (realtime); today's ignore remote ones.
 *
 * `auth.failed` stays in its process: a burst of guesses must not become a burst of Redis
 * messages, and each process audits its own failures.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createId } from '../../crypto/random-id.js';
import { keepSubscribed, settleWithin } from '../../redis-client.js';

/** Who made an event happen. */
export type Actor =
  /** A request authenticated with the admin key, from `address`, on `route` (`POST /admin/v1/api-keys`). */
  | { kind: 'admin_key'; address?: string; route?: string }
  /** The `threadgate` CLI, run by this operating-system user. */
  | { kind: 'cli'; user?: string }
  /** An unauthenticated or refused caller. */
  | { kind: 'anonymous'; address?: string }
  /** The server itself (a purge, a reuse detection). */
  | { kind: 'system' };

/** Scopes, agents and names of an API key: what an audit may show (never the key or its hash). */
export interface ApiKeySummary {
  id: string;
  prefix: string;
  name: string;
  scopes: string[];
  agents: 'all' | string[];
}

/** Name, agents and user fields (mapUser) of an authentication key: what an audit may show (never the secret). */
export interface AuthKeySummary {
  id: string;
  name: string;
  agents: 'all' | string[];
  /** Field → claim; `{}` when the key maps none. */
  user_fields: Record<string, string>;
}

/** An auth rule's settings (it holds no secret). */
export type AuthRuleSummary = Record<string, unknown> & { id: string; name: string };

/** An object as the admin API shows it, never a secret. */
export type ObjectSummary = Record<string, unknown> & { id: string };

/** Every domain event and its payload. */
export interface DomainEvents {
  'api_key.created': { apiKey: ApiKeySummary };
  'api_key.revoked': { id: string };
  'auth_key.created': { authKey: AuthKeySummary };
  'auth_key.updated': { id: string; before: AuthKeySummary; after: AuthKeySummary };
  'auth_key.deleted': { id: string };
  'auth_rule.created': { rule: AuthRuleSummary };
  'auth_rule.updated': { id: string; before: AuthRuleSummary; after: AuthRuleSummary };
  'auth_rule.deleted': { id: string; before?: AuthRuleSummary };
  'user.revoked': { userId: string };
  /**
   * An anonymous session (refresh family) revoked by the server itself: a refresh token used twice
   * (`refresh_reuse`) or the session claimed by a signed-in user (`claim`). Not an admin action, so
   * not audited (modules/audit); the revocation epoch hears it.
   */
  'session.revoked': { familyId: string; reason: 'refresh_reuse' | 'claim' };
  /** Every memory of a user erased (modules/memory). */
  'user.memories_erased': { userId: string; erased: number };
  'signing_key.rotated': { kid: string };
  /** A model provider (modules/agents), never its API key. */
  'model_provider.created': { provider: ObjectSummary };
  'model_provider.updated': { id: string; after: ObjectSummary };
  'model_provider.deleted': { id: string };
  /** An agent (modules/agents). */
  'agent.created': { agent: ObjectSummary };
  'agent.updated': { id: string; after: ObjectSummary };
  'agent.deleted': { id: string };
  /** A refused credential (never the credential): its code and kind, the client and the route. */
  'auth.failed': { code: string; credential: string; address: string; route: string; counted: boolean };
}

export type EventType = keyof DomainEvents;

export const EVENT_TYPES: readonly EventType[] = Object.freeze([
  'api_key.created',
  'api_key.revoked',
  'auth_key.created',
  'auth_key.updated',
  'auth_key.deleted',
  'auth_rule.created',
  'auth_rule.updated',
  'auth_rule.deleted',
  'user.revoked',
  'session.revoked',
  'user.memories_erased',
  'signing_key.rotated',
  'model_provider.created',
  'model_provider.updated',
  'model_provider.deleted',
  'agent.created',
  'agent.updated',
  'agent.deleted',
  'auth.failed',
] as const satisfies readonly EventType[]);

/** Events that are never carried to other processes (see the file comment). */
const LOCAL_ONLY: ReadonlySet<EventType> = new Set<EventType>(['auth.failed']);

/** One delivered event. */
export interface DomainEvent<K extends EventType = EventType> {
  /** Random id. */
  id: string;
  type: K;
  payload: DomainEvents[K];
  actor: Actor;
  /** When it was published, ms since the epoch (the publishing process's clock). */
  at: number;
  /** Published by another process, carried by Redis. */
  remote: boolean;
}

export type AnyDomainEvent = { [K in EventType]: DomainEvent<K> }[EventType];

/**
 * Hears one event. What it returns is ignored unless it is a promise: work the publisher must not
 * answer before (see the file comment), which `publishAndWait` awaits and `publish` does not.
 */
export type Subscriber<K extends EventType> = (event: DomainEvent<K>) => unknown;

export interface EventBus {
  /**
   * Delivers the event to every subscriber of its type (and of `*`), then, with Redis, to the
   * other processes. Never throws, never awaits.
   *
   * @example
   * deps.events.publish('api_key.revoked', { id }, { kind: 'admin_key', address })
   */
  publish<K extends EventType>(type: K, payload: DomainEvents[K], actor: Actor): void;
  /**
   * Publishes as `publish` does, then resolves once every promise its subscribers returned has
   * settled (the revocation epoch's write). Never rejects: a subscriber's failure is logged.
   *
   * @example
   * await deps.events.publishAndWait('api_key.revoked', { id }, actor)
   */
  publishAndWait<K extends EventType>(type: K, payload: DomainEvents[K], actor: Actor): Promise<void>;
  /**
   * Calls `subscriber` for every event of `type` (or every event, `*`) from now on. Returns the
   * unsubscribe function.
   *
   * @example
   * const stop = bus.subscribe('user.revoked', (event) => console.log(event.payload.userId))
   */
  subscribe<K extends EventType>(type: K, subscriber: Subscriber<K>): () => void;
  subscribe(type: '*', subscriber: (event: AnyDomainEvent) => unknown): () => void;
  /** Stops listening to Redis and waits (briefly) for messages still being sent. */
  close(): Promise<void>;
}

export interface EventBusOptions {
  /** A Redis connection for publishing, or null (in process only). */
  redis?: Redis | null;
  /** A Redis connection for subscribing (a subscribed connection can do nothing else), or null. */
  subscriber?: Redis | null;
  /** THREADGATE_REDIS_KEY_PREFIX; the channel is `<prefix>events`. */
  redisKeyPrefix?: string;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

export interface EventBusDeps {
  clock?: () => number;
}

/** Longest `close` waits for Redis messages still under way. */
const CLOSE_PUBLISH_WAIT_MS = 2000;

interface WireEvent {
  origin: string;
  id: string;
  type: string;
  payload: unknown;
  actor: Actor;
  at: number;
}

/**
 * @example
 * const bus = createEventBus({ redis, subscriber, redisKeyPrefix: config.redisKeyPrefix, logger })
 * bus.subscribe('*', (event) => audit.record(event))
 */
export function createEventBus(options: EventBusOptions = {}, deps: EventBusDeps = {}): EventBus {
  const clock = deps.clock ?? Date.now;
  const redis = options.redis ?? null;
  const subscriber = options.subscriber ?? null;
  const logger = options.logger;
  const channel = `${options.redisKeyPrefix ?? ''}events`;
  const origin = createId('bus');
  const subscribers = new Map<string, Array<(event: AnyDomainEvent) => unknown>>();
  const publishing = new Set<Promise<void>>();
  let closed = false;

  /** Calls every subscriber of the event; returns the promises they returned, failures logged. */
  function deliver(event: AnyDomainEvent): Promise<void>[] {
    const pending: Promise<void>[] = [];
    const failed = (error: unknown) => logger?.error({ err: error, event: event.type }, 'event bus: a subscriber threw; the others still ran');
    for (const key of [event.type, '*']) {
      const list = subscribers.get(key);
      if (list === undefined) continue;
      for (const handler of list) {
        try {
          const result = handler(event);
          if (result instanceof Promise) pending.push(result.then(() => undefined, failed));
        } catch (error) {
          failed(error);
        }
      }
    }
    return pending;
  }

  const onMessage = (from: string, text: string) => {
    if (from !== channel || closed) return;
    let wire: WireEvent;
    try {
      wire = JSON.parse(text) as WireEvent;
    } catch {
      logger?.warn({ channel }, 'event bus: a Redis message that is not JSON was ignored');
      return;
    }
    if (wire.origin === origin) return;
    if (!EVENT_TYPES.includes(wire.type as EventType) || typeof wire.at !== 'number') {
      logger?.warn({ channel, type: String(wire.type) }, 'event bus: a Redis message of an unknown type was ignored');
      return;
    }
    deliver({ id: String(wire.id), type: wire.type, payload: wire.payload, actor: wire.actor, at: wire.at, remote: true } as AnyDomainEvent);
  };
  subscriber?.on('message', onMessage);
  // Subscribed again after every reconnection (redis-client.ts).
  const subscription =
    subscriber === null
      ? undefined
      : keepSubscribed(subscriber, channel, {
          onError: (error) => logger?.warn({ err: error }, 'event bus: cannot subscribe to Redis; events of other processes are missed meanwhile'),
        });

  function publish<K extends EventType>(type: K, payload: DomainEvents[K], actor: Actor): Promise<void>[] {
    const event = { id: createId('evt'), type, payload, actor, at: clock(), remote: false } as DomainEvent<K>;
    const pending = deliver(event as unknown as AnyDomainEvent);
    if (redis === null || closed || LOCAL_ONLY.has(type)) return pending;
    let text: string;
    try {
      text = JSON.stringify({ origin, id: event.id, type, payload, actor, at: event.at } satisfies WireEvent);
    } catch (error) {
      logger?.error({ err: error, event: type }, 'event bus: cannot serialize an event for Redis');
      return pending;
    }
    const sent: Promise<void> = redis.publish(channel, text).then(
      () => undefined,
      (error: unknown) => logger?.warn({ err: error, event: type }, 'event bus: cannot publish to Redis; other processes miss this event'),
    );
    publishing.add(sent);
    void sent.finally(() => publishing.delete(sent));
    return pending;
  }

  return {
    publish(type, payload, actor) {
      publish(type, payload, actor);
    },
    async publishAndWait(type, payload, actor) {
      await Promise.all(publish(type, payload, actor));
    },
    subscribe(type: string, handler: (event: never) => unknown) {
      const list = subscribers.get(type) ?? [];
      const entry = handler as unknown as (event: AnyDomainEvent) => unknown;
      // Copied on write: a subscriber added during a delivery does not see that event.
      subscribers.set(type, [...list, entry]);
      return () => {
        const now = subscribers.get(type) ?? [];
        subscribers.set(
          type,
          now.filter((h) => h !== entry),
        );
      };
    },
    async close() {
      closed = true;
      subscription?.stop();
      await settleWithin(publishing, CLOSE_PUBLISH_WAIT_MS);
      if (subscriber !== null) {
        subscriber.off('message', onMessage);
        subscriber.unsubscribe(channel).catch(() => undefined);
      }
    },
  } as EventBus;
}
