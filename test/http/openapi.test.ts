/**
 * `storedText` (src/http/openapi.ts): free text that reaches the store never holds U+0000, which
 * PostgreSQL's `text` refuses (it used to answer 500). Run on SQLite and on PostgreSQL, so both
 * databases answer the same.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';
import { serviceUrl } from '../helpers/services.js';
import { createTempDatabase, type TempDatabase } from '../helpers/postgres-database.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';

function storedTextCases(name: string, open: () => Promise<{ t: TestApp; cleanup: () => Promise<void> }>): void {
  describe(`stored text refuses U+0000 (${name})`, () => {
    let t: TestApp;
    let cleanup: () => Promise<void>;
    let token: string;
    let threadId: string;
    before(async () => {
      ({ t, cleanup } = await open());
      token = await t.tokenFor('u1', 'w1');
      threadId = (await t.call('POST', '/v1/threads', { token, body: { title: 'plain' } })).body.thread_id as string;
    });
    after(async () => {
      await t.close();
      await cleanup();
    });

    it('a thread title, thread or message external id with NUL is a 400 naming the field; nothing is stored', async () => {
      const refused = [
        { path: '/v1/threads', body: { title: 'a\u0000b' }, field: 'title' },
        { path: '/v1/threads', body: { external_id: 'x\u0000' }, field: 'external_id' },
        { path: `/v1/threads/${threadId}/messages`, body: { parent_id: null, format: 'aui/v0', content: {}, external_id: '\u0000' }, field: 'external_id' },
        { path: `/v1/threads/${threadId}/messages`, body: { parent_id: null, format: 'aui/v0', content: {}, parent_external_id: 'p\u0000' }, field: 'parent_external_id' },
      ];
      for (const { path, body, field } of refused) {
        const res = await t.call('POST', path, { token, body });
        expectError(res, 400, 'validation_error');
        assert.equal(res.body.field, field, path);
        assert.match(res.body.message, /NUL/);
      }
      const threads = await t.call('GET', '/v1/threads', { token });
      assert.deepEqual(threads.body.threads.map((thread: { title: string }) => thread.title), ['plain'], 'no thread was created');
      const messages = await t.call('GET', `/v1/threads/${threadId}/messages`, { token });
      assert.equal(messages.body.messages.length, 0, 'no message was appended');
      const renamed = await t.call('PUT', `/v1/threads/${threadId}`, { token, body: { title: 'still\u0000' } });
      expectError(renamed, 400, 'validation_error');
    });

    it('a NUL inside message content is stored and read back (content is stored as JSON text)', async () => {
      const res = await t.call('POST', `/v1/threads/${threadId}/messages`, { token, body: { parent_id: null, format: 'aui/v0', content: { text: 'a\u0000b' } } });
      assert.equal(res.status, 201);
      const messages = await t.call('GET', `/v1/threads/${threadId}/messages`, { token });
      assert.equal(messages.body.messages[0].content.text, 'a\u0000b');
    });

    it('admin names too', async () => {
      const res = await t.call('POST', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, body: { name: 'k\u0000' } });
      expectError(res, 400, 'validation_error');
      assert.equal(res.body.field, 'name');
    });
  });
}

storedTextCases('SQLite', async () => ({ t: await createTestApp(), cleanup: async () => {} }));

const postgresUrl = serviceUrl('TEST_POSTGRES_URL');
if (postgresUrl !== undefined) {
  storedTextCases('PostgreSQL', async () => {
    const database: TempDatabase = await createTempDatabase(postgresUrl, 'stored_text');
    return { t: await createTestApp({ DATABASE_URL: database.url }), cleanup: () => database.drop() };
  });
}
