/**
 * The body limit through a real @hono/node-server listener (src/http/middleware/body-limit.ts):
 * a declared Content-Length over the limit is refused before the body is read, a chunked body is
 * counted as it arrives, and bodies within the limit go through. Nothing is stored on a refusal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startListeningServer, type ListeningServer } from '../../helpers/listening-server.js';

const LIMIT = 2048;

describe('body limit on a real listener', () => {
  let t: ListeningServer;
  before(async () => {
    t = await startListeningServer({ THREADGATE_BODY_LIMIT_BYTES: String(LIMIT) });
  });
  after(async () => t.stop());

  /** POSTs /v1/threads with `chunks`; chunked unless `length` is declared. */
  const post = (chunks: string[], declared?: number) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${t.token}`, 'Content-Type': 'application/json' };
      if (declared !== undefined) headers['Content-Length'] = String(declared);
      const req = request({ host: '127.0.0.1', port: t.port, method: 'POST', path: '/v1/threads', headers }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || (error as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(error)));
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  const threadCount = async () => {
    const res = await fetch(`${t.url}/v1/threads?limit=100`, { headers: { Authorization: `Bearer ${t.token}` } });
    return ((await res.json()) as { threads: unknown[] }).threads.length;
  };

  it('a body within the limit goes through, declared or chunked', async () => {
    const body = JSON.stringify({ title: 'fits' });
    assert.equal((await post([body], Buffer.byteLength(body))).status, 201);
    assert.equal((await post([body.slice(0, 5), body.slice(5)])).status, 201);
  });

  it('a declared length over the limit is payload_too_large and stores nothing', async () => {
    const before = await threadCount();
    const body = JSON.stringify({ title: 'x'.repeat(LIMIT) });
    const res = await post([body], Buffer.byteLength(body));
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).error, 'payload_too_large');
    assert.equal(await threadCount(), before);
  });

  it('a chunked body over the limit is counted as it arrives and refused', async () => {
    const before = await threadCount();
    const body = JSON.stringify({ title: 'x'.repeat(LIMIT) });
    const res = await post([body.slice(0, 1000), body.slice(1000, 2000), body.slice(2000)]);
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).error, 'payload_too_large');
    assert.equal(await threadCount(), before);
  });
});
