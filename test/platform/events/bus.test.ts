/**
 * The domain-event bus (src/platform/events/bus.ts): synchronous delivery in process, a subscriber
 * that throws never reaches the publisher, `publishAndWait` waits for what subscribers return (the
 * revocation epoch's write), and with Redis the other processes' events arrive
 * (marked remote) while a process's own messages are ignored and `auth.failed` stays local, also
 * after the Redis link was cut and came back.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createEventBus, type AnyDomainEvent } from '../../../src/platform/events/bus.js';
import { serviceUrl } from '../../helpers/services.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';
import { createRedisClient } from '../../../src/redis-client.js';
import { createLogger } from '../../../src/logger.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('event bus – in process', () => {
  it('delivers synchronously to the subscribers of the type and of *, in order', () => {
    const bus = createEventBus({}, { clock: () => 1234 });
    const seen: string[] = [];
    bus.subscribe('api_key.revoked', (event) => seen.push(`typed:${event.payload.id}`));
    bus.subscribe('*', (event) => seen.push(`all:${event.type}`));
    bus.subscribe('user.revoked', () => seen.push('wrong type'));
    bus.publish('api_key.revoked', { id: 'key_1' }, { kind: 'admin_key' });
    assert.deepEqual(seen, ['typed:key_1', 'all:api_key.revoked']);
  });

  it('carries the actor, the time and remote: false', () => {
    const bus = createEventBus({}, { clock: () => 1234 });
    let got: AnyDomainEvent | undefined;
    bus.subscribe('*', (event) => (got = event));
    bus.publish('user.revoked', { userId: 'u1' }, { kind: 'cli', user: 'ops' });
    assert.equal(got?.type, 'user.revoked');
    assert.equal(got?.at, 1234);
    assert.equal(got?.remote, false);
    assert.deepEqual(got?.actor, { kind: 'cli', user: 'ops' });
    assert.match(got!.id, /^evt_/);
  });

  it('a subscriber that throws is logged; the publisher and the other subscribers go on', () => {
    const errors: unknown[] = [];
    const bus = createEventBus({ logger: { warn: () => undefined, error: (obj: unknown) => errors.push(obj) } as never });
    let reached = false;
    bus.subscribe('*', () => {
      throw new Error('boom');
    });
    bus.subscribe('*', () => (reached = true));
    assert.doesNotThrow(() => bus.publish('api_key.revoked', { id: 'k' }, { kind: 'system' }));
    assert.equal(reached, true);
    assert.equal(errors.length, 1);
  });

  it('unsubscribing stops delivery', () => {
    const bus = createEventBus();
    let count = 0;
    const stop = bus.subscribe('api_key.revoked', () => count++);
    bus.publish('api_key.revoked', { id: 'a' }, { kind: 'system' });
    stop();
    bus.publish('api_key.revoked', { id: 'b' }, { kind: 'system' });
    assert.equal(count, 1);
  });

  it('publishAndWait delivers synchronously, then waits for the promises subscribers return; publish waits for none', async () => {
    const bus = createEventBus();
    const order: string[] = [];
    let release: () => void = () => undefined;
    bus.subscribe('api_key.revoked', () => {
      order.push('delivered');
      return new Promise<void>((resolve) => (release = () => (order.push('settled'), resolve())));
    });
    bus.subscribe('*', () => 'not a promise: ignored');
    bus.publish('api_key.revoked', { id: 'a' }, { kind: 'system' });
    assert.deepEqual(order, ['delivered'], 'publish returns at once');
    release();
    const waiting = bus.publishAndWait('api_key.revoked', { id: 'b' }, { kind: 'system' });
    assert.deepEqual(order, ['delivered', 'settled', 'delivered'], 'delivered before publishAndWait returns its promise');
    let done = false;
    void waiting.then(() => (done = true));
    await sleep(20);
    assert.equal(done, false, 'still waiting for the subscriber');
    release();
    await waiting;
    assert.deepEqual(order, ['delivered', 'settled', 'delivered', 'settled']);
  });

  it('publishAndWait never rejects: a subscriber\'s rejected promise is logged', async () => {
    const errors: string[] = [];
    const bus = createEventBus({ logger: { warn: () => undefined, error: ((_fields: object, message: string) => void errors.push(message)) as never } });
    bus.subscribe('user.revoked', () => Promise.reject(new Error('epoch write failed')));
    await bus.publishAndWait('user.revoked', { userId: 'u' }, { kind: 'system' });
    assert.equal(errors.length, 1);
  });
});

const redisUrl = serviceUrl('TEST_REDIS_URL');

describe('event bus – between processes over Redis', { skip: redisUrl === undefined }, () => {
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(redisUrl!);
    clients.push(c);
    return c;
  };
  after(() => clients.forEach((c) => c.disconnect()));

  it('another bus receives the event once, marked remote; the publisher does not hear its own', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}:`;
    const a = createEventBus({ redis: client(), subscriber: client(), redisKeyPrefix: prefix });
    const b = createEventBus({ redis: client(), subscriber: client(), redisKeyPrefix: prefix });
    const atA: AnyDomainEvent[] = [];
    const atB: AnyDomainEvent[] = [];
    a.subscribe('*', (event) => atA.push(event));
    b.subscribe('*', (event) => atB.push(event));
    // Let both subscriptions be confirmed (a message published before is lost: pub/sub).
    const probe = client();
    await eventually('both subscriptions', async () => {
      const [, count] = (await probe.pubsub('NUMSUB', `${prefix}events`)) as [string, number];
      return Number(count) >= 2;
    });
    a.publish('auth.failed', { code: 'invalid_api_key', credential: 'api_key', address: '1.2.3.4', route: 'GET /v1/me', counted: true }, { kind: 'anonymous' });
    a.publish('api_key.revoked', { id: 'key_9' }, { kind: 'admin_key' });
    await eventually('the event at b', () => atB.length >= 1);
    // A later message that does arrive shows the earlier ones were handled (Redis keeps the order).
    b.publish('user.revoked', { userId: 'u' }, { kind: 'system' });
    await eventually('the event at a', () => atA.some((event) => event.remote));
    assert.deepEqual(atB.map((event) => [event.type, event.remote]), [['api_key.revoked', true], ['user.revoked', false]]);
    assert.deepEqual(atB[0]!.payload, { id: 'key_9' });
    // a heard its own two events locally, once each, and b's once, remote.
    assert.deepEqual(atA.map((event) => [event.type, event.remote]), [['auth.failed', false], ['api_key.revoked', false], ['user.revoked', true]]);
    await a.close();
    await b.close();
  });

  it('a bus whose Redis link was cut hears the other processes again once it is back (it subscribes again itself)', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}:`;
    const proxy = await startTcpProxy(new URL(redisUrl!).hostname, Number(new URL(redisUrl!).port || 6379));
    // The server's own kind of subscriber (redis-client.ts), which leaves re-subscribing to the bus.
    const cutSubscriber = createRedisClient(proxy.urlThrough(redisUrl!), createLogger('silent'), 'subscriber');
    const a = createEventBus({ redis: client(), subscriber: client(), redisKeyPrefix: prefix });
    const b = createEventBus({ redis: null, subscriber: cutSubscriber, redisKeyPrefix: prefix });
    const atB: AnyDomainEvent[] = [];
    b.subscribe('*', (event) => atB.push(event));
    const probe = client();
    // a's subscription and b's.
    const subscribed = async () => Number(((await probe.pubsub('NUMSUB', `${prefix}events`)) as [string, number])[1]) >= 2;
    try {
      await eventually('a and b subscribed', subscribed);
      proxy.cut();
      await eventually('b unsubscribed by the outage', async () => !(await subscribed()));
      proxy.restore();
      await eventually('b subscribed again', subscribed);
      a.publish('api_key.revoked', { id: 'key_after' }, { kind: 'admin_key' });
      await eventually('the event at b', () => atB.length >= 1);
      assert.deepEqual(atB.map((event) => [event.type, event.remote]), [['api_key.revoked', true]]);
    } finally {
      await a.close();
      await b.close();
      cutSubscriber.disconnect();
      await proxy.close();
    }
  });
});
