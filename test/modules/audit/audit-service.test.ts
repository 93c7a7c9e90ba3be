/**
 * The audit log's queue (src/modules/audit/audit-service.ts): `record` never throws or waits; a
 * full queue drops (counted, logged); a failed write drops its batch (counted, logged) and later
 * ones go through; batches hold at most AUDIT_BATCH_SIZE rows; the purge keeps what is recent.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIT_BATCH_SIZE, createAuditLog } from '../../../src/modules/audit/audit-service.js';
import type { AuditQuery, AuditRecord, AuditRepository } from '../../../src/modules/audit/audit-repository.js';

function fakeRepository() {
  const rows: AuditRecord[] = [];
  const batches: number[] = [];
  let failNext = 0;
  let purgedBefore: number | undefined;
  const repository: AuditRepository = {
    async insert(records) {
      if (failNext > 0) {
        failNext--;
        throw new Error('database down');
      }
      batches.push(records.length);
      rows.push(...records);
    },
    async list(query: AuditQuery) {
      return rows.filter((r) => r.projectId === query.projectId).slice(0, query.limit);
    },
    async purge(_projectId, before) {
      purgedBefore = before;
      return 0;
    },
  };
  return { repository, rows, batches, failNextWrites: (n: number) => (failNext = n), purgedBefore: () => purgedBefore };
}

function captureLogger() {
  const warnings: Array<Record<string, unknown>> = [];
  return { warnings, logger: { warn: (obj: Record<string, unknown>) => warnings.push(obj), error: () => undefined, info: () => undefined } };
}

const entry = (n: number) => ({ kind: 'api_key.revoked', actor: 'admin_key' as const, actorName: null, address: null, route: null, objectType: 'api_key', objectId: `key_${n}`, detail: {} });

describe('audit log queue', () => {
  it('writes what is recorded, in batches of at most AUDIT_BATCH_SIZE, with ids, project and time', async () => {
    const fake = fakeRepository();
    const { logger } = captureLogger();
    const audit = createAuditLog({ projectId: 'p1', queueSize: 1000, retentionDays: 0, background: false }, { repository: fake.repository, logger, clock: () => 42 });
    for (let n = 0; n < AUDIT_BATCH_SIZE * 2 + 5; n++) audit.record(entry(n));
    assert.equal(fake.rows.length, 0, 'nothing is written by record itself');
    assert.equal(audit.queued(), AUDIT_BATCH_SIZE * 2 + 5);
    await audit.flush();
    assert.deepEqual(fake.batches, [AUDIT_BATCH_SIZE, AUDIT_BATCH_SIZE, 5]);
    assert.equal(audit.queued(), 0);
    assert.equal(fake.rows[0]!.projectId, 'p1');
    assert.equal(fake.rows[0]!.at, 42);
    assert.match(fake.rows[0]!.id, /^aud_/);
    assert.deepEqual(fake.rows.map((r) => r.objectId).slice(0, 3), ['key_0', 'key_1', 'key_2']);
  });

  it('a full queue drops new events, counts and logs them, and never throws', async () => {
    const fake = fakeRepository();
    const { logger, warnings } = captureLogger();
    const audit = createAuditLog({ projectId: 'p1', queueSize: 3, retentionDays: 0, background: false }, { repository: fake.repository, logger });
    for (let n = 0; n < 10; n++) assert.doesNotThrow(() => audit.record(entry(n)));
    assert.equal(audit.queued(), 3);
    assert.deepEqual(audit.dropped(), { queue_full: 7, write_failed: 0 });
    // Logged once (at most once a minute), not once per event.
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.reason, 'queue_full');
    await audit.close();
    assert.deepEqual(fake.rows.map((r) => r.objectId), ['key_0', 'key_1', 'key_2']);
  });

  it('a failed write drops its batch (counted) and the next ones are written', async () => {
    const fake = fakeRepository();
    const { logger, warnings } = captureLogger();
    const audit = createAuditLog({ projectId: 'p1', queueSize: 1000, retentionDays: 0, background: false }, { repository: fake.repository, logger });
    fake.failNextWrites(1);
    audit.record(entry(1));
    await assert.doesNotReject(audit.flush());
    audit.record(entry(2));
    await audit.flush();
    assert.deepEqual(audit.dropped(), { queue_full: 0, write_failed: 1 });
    assert.deepEqual(fake.rows.map((r) => r.objectId), ['key_2']);
    assert.equal(warnings[0]!.reason, 'write_failed');
  });

  it('the purge deletes what is older than the retention, and nothing when kept forever', async () => {
    const fake = fakeRepository();
    const { logger } = captureLogger();
    const day = 86_400_000;
    const kept = createAuditLog({ projectId: 'p1', queueSize: 10, retentionDays: 30, background: false }, { repository: fake.repository, logger, clock: () => 100 * day });
    await kept.purge();
    assert.equal(fake.purgedBefore(), 70 * day);
    const forever = fakeRepository();
    const audit = createAuditLog({ projectId: 'p1', queueSize: 10, retentionDays: 0, background: false }, { repository: forever.repository, logger });
    assert.equal(await audit.purge(), 0);
    assert.equal(forever.purgedBefore(), undefined);
  });
});
