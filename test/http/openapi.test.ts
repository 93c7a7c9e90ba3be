/**
 * `storedText` (src/http/openapi.ts): free text that reaches the store never holds U+0000, which
 * PostgreSQL's `text` refuses (it used to answer 500). `storedJson`: a stored JSON value nested
 * thousands deep used to be stored (201) and then break every list that included it with a stack
 * overflow (500); now every stored JSON field is bounded at the door. Run on SQLite and on
 * PostgreSQL, so both databases answer the same.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { serviceUrl } from '../helpers/services.js';
import { createTempDatabase, type TempDatabase } from '../helpers/postgres-database.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';
import { jsonBoundsProblem, STORED_JSON_LIMITS } from '../../src/http/openapi.js';
import { expectError } from '../helpers/error-contract.js';

/** JSON text of `levels` nested arrays around `inner`, built as text (JSON.stringify itself would overflow). */
function nestedArrays(levels: number, inner = '0'): string {
  return '['.repeat(levels) + inner + ']'.repeat(levels);
}
/** JSON text of `levels` nested objects `{"a": ...}`. */
function nestedObjects(levels: number, inner = '{}'): string {
  return '{"a":'.repeat(levels) + inner + '}'.repeat(levels);
}

describe('jsonBoundsProblem', () => {
  const { maxDepth, maxValues } = STORED_JSON_LIMITS;
  it('accepts values up to the limits: depth counts objects and arrays, a scalar at the bottom is free', () => {
    assert.equal(jsonBoundsProblem(null), undefined);
    assert.equal(jsonBoundsProblem('text'), undefined);
    assert.equal(jsonBoundsProblem({}), undefined);
    assert.equal(jsonBoundsProblem(JSON.parse(nestedArrays(maxDepth))), undefined);
    assert.equal(jsonBoundsProblem(JSON.parse(nestedObjects(maxDepth - 1))), undefined);
    assert.equal(jsonBoundsProblem(new Array(maxValues - 1).fill(0)), undefined);
  });

  it('refuses one level or one value more, naming the top-level member that holds it', () => {
    assert.deepEqual(jsonBoundsProblem(JSON.parse(nestedArrays(maxDepth + 1))), { message: `nests deeper than ${maxDepth} levels` });
    assert.deepEqual(jsonBoundsProblem(JSON.parse(nestedObjects(maxDepth))), { message: `nests deeper than ${maxDepth} levels`, member: 'a' });
    assert.deepEqual(jsonBoundsProblem(new Array(maxValues).fill(0)), { message: `holds more than ${maxValues} values` });
    assert.deepEqual(jsonBoundsProblem({ ok: [1, 2], steps: [[{ x: new Array(maxValues).fill('v') }]] }), { message: `holds more than ${maxValues} values`, member: 'steps' });
    assert.deepEqual(jsonBoundsProblem({ ok: [[1]], deep: JSON.parse(nestedArrays(maxDepth)) }), { message: `nests deeper than ${maxDepth} levels`, member: 'deep' });
  });

  it('does not overflow the stack on hostile nesting, and stops early', () => {
    for (const levels of [4_100, 100_000, 1_000_000]) {
      assert.equal(jsonBoundsProblem(JSON.parse(nestedArrays(levels)))?.message, `nests deeper than ${maxDepth} levels`, String(levels));
      assert.equal(jsonBoundsProblem(JSON.parse(nestedObjects(levels)))?.member, 'a', String(levels));
    }
  });
});

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

function storedJsonCases(name: string, open: () => Promise<{ t: TestApp; cleanup: () => Promise<void> }>): void {
  describe(`stored JSON is bounded in depth and size (${name})`, () => {
    let t: TestApp;
    let cleanup: () => Promise<void>;
    let token: string;
    let threadId: string;
    let messageId: string;
    const { maxDepth } = STORED_JSON_LIMITS;
    /** A raw JSON body (the deep values cannot go through JSON.stringify). */
    const send = (method: string, path: string, body: string) => t.call(method, path, { token, body, headers: { 'Content-Type': 'application/json' } });
    before(async () => {
      ({ t, cleanup } = await open());
      token = await t.tokenFor('u1', 'w1');
      threadId = (await t.call('POST', '/v1/threads', { token, body: { title: 'plain', metadata: { kept: true } } })).body.thread_id as string;
      messageId = (await t.call('POST', `/v1/threads/${threadId}/messages`, { token, body: { parent_id: null, format: 'aui/v0', content: { kept: true } } })).body.message_id as string;
    });
    after(async () => {
      await t.close();
      await cleanup();
    });

    for (const levels of [4_100, 100_000]) {
      it(`${levels} levels deep in any stored field is a 400 naming the field; nothing is stored and every list still answers`, async () => {
        const deepObject = nestedObjects(levels);
        const deepArray = nestedArrays(levels);
        const refused = [
          { method: 'POST', path: '/v1/threads', body: `{"title":"deep","metadata":${deepObject}}`, field: 'metadata' },
          { method: 'POST', path: '/v1/threads', body: `{"title":"deep","metadata":${deepArray}}`, field: 'metadata' },
          { method: 'PUT', path: `/v1/threads/${threadId}`, body: `{"metadata":${deepObject}}`, field: 'metadata' },
          { method: 'POST', path: `/v1/threads/${threadId}/messages`, body: `{"parent_id":null,"format":"aui/v0","content":{"content":${deepArray}}}`, field: 'content' },
          { method: 'POST', path: `/v1/threads/${threadId}/messages`, body: `{"parent_id":null,"format":"aui/v0","content":{"metadata":${deepObject}}}`, field: 'content' },
          { method: 'PUT', path: `/v1/threads/${threadId}/messages/${messageId}`, body: `{"content":${deepObject}}`, field: 'content' },
          { method: 'POST', path: '/v1/runs', body: `{"thread_id":"${threadId}","status":"completed","steps":${deepArray}}`, field: 'steps' },
          { method: 'POST', path: '/v1/events', body: `{"events":[{"kind":"k","thread_id":"${threadId}","props":{"p":${deepArray}}}]}`, field: 'events.0.props.p' },
        ];
        for (const { method, path, body, field } of refused) {
          const res = await send(method, path, body);
          expectError(res, 400, 'validation_error');
          assert.equal(res.body.field, field, `${method} ${path} ${field}`);
          assert.ok(res.body.message.length < 200, 'the message does not echo the value');
        }
        const threads = await t.call('GET', '/v1/threads', { token });
        assert.equal(threads.status, 200);
        assert.deepEqual(threads.body.threads.map((thread: { title: string; metadata: unknown }) => [thread.title, thread.metadata]), [['plain', { kept: true }]], 'no thread created or changed');
        const messages = await t.call('GET', `/v1/threads/${threadId}/messages`, { token });
        assert.equal(messages.status, 200);
        assert.deepEqual(messages.body.messages.map((message: { content: unknown }) => message.content), [{ kept: true }], 'no message appended or changed');
        assert.deepEqual(await t.deps.runs.repo.countTelemetry(t.deps.config.projectId, 'w1'), { runs: 0, events: 0, scores: 0 }, 'no run or event stored');
      });
    }

    it(`${maxDepth} levels are stored and read back; one more is refused`, async () => {
      const atLimit = nestedArrays(maxDepth - 1);
      const created = await send('POST', `/v1/threads/${threadId}/messages`, `{"parent_id":${JSON.stringify(messageId)},"format":"aui/v0","content":{"parts":${atLimit}}}`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const messages = await t.call('GET', `/v1/threads/${threadId}/messages`, { token });
      assert.deepEqual(messages.body.messages[0].content, JSON.parse(`{"parts":${atLimit}}`));
      const over = await send('PUT', `/v1/threads/${threadId}`, `{"metadata":${nestedArrays(maxDepth + 1)}}`);
      expectError(over, 400, 'validation_error');
      assert.equal(over.body.message, `metadata: nests deeper than ${maxDepth} levels`);
    });
  });
}

storedTextCases('SQLite', async () => ({ t: await createTestApp(), cleanup: async () => {} }));
storedJsonCases('SQLite', async () => ({ t: await createTestApp(), cleanup: async () => {} }));

const postgresUrl = serviceUrl('TEST_POSTGRES_URL');
if (postgresUrl !== undefined) {
  storedTextCases('PostgreSQL', async () => {
    const database: TempDatabase = await createTempDatabase(postgresUrl, 'stored_text');
    return { t: await createTestApp({ DATABASE_URL: database.url }), cleanup: () => database.drop() };
  });
  storedJsonCases('PostgreSQL', async () => {
    const database: TempDatabase = await createTempDatabase(postgresUrl, 'stored_json');
    return { t: await createTestApp({ DATABASE_URL: database.url }), cleanup: () => database.drop() };
  });
}
