/**
 * The users service over its port (users-ports.ts): the module owns no table, so a revocation is
 * one call to the platform's `revokeUserTokens` (project, user, now), published as `user.revoked`
 * only once that write has returned, and not at all when it fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUsersService } from '../../../src/modules/users/users-service.js';
import type { UserRevocations } from '../../../src/modules/users/users-ports.js';

function fixture(revokeUserTokens: UserRevocations['revokeUserTokens']) {
  const log: string[] = [];
  const service = createUsersService({
    revocations: {
      async revokeUserTokens(projectId, userId, at) {
        log.push(`write ${projectId} ${userId} ${at}`);
        await revokeUserTokens(projectId, userId, at);
        log.push('written');
      },
    },
    events: {
      async publishAndWait(type, payload) {
        log.push(`publish ${type} ${JSON.stringify(payload)}`);
      },
    },
    config: { projectId: 'proj' },
    clock: () => 1234,
  });
  return { service, log };
}

describe('users service', () => {
  it('writes the revocation through the port, then publishes user.revoked', async () => {
    const { service, log } = fixture(async () => undefined);
    assert.deepEqual(await service.revokeUser('alice', { kind: 'cli' }), { revokedBefore: 1234 });
    assert.deepEqual(log, ['write proj alice 1234', 'written', 'publish user.revoked {"userId":"alice"}']);
  });

  it('publishes nothing when the write fails', async () => {
    const { service, log } = fixture(async () => {
      throw new Error('database gone');
    });
    await assert.rejects(service.revokeUser('alice', { kind: 'cli' }), /database gone/);
    assert.deepEqual(log, ['write proj alice 1234']);
  });
});
