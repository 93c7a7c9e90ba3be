/**
 * `threadgate serve` shutdown (src/cli/commands/serve.ts, src/http/drain.ts), on the real process:
 * on SIGTERM it stops accepting, closes idle keep-alive connections at once, lets a request in
 * flight finish, closes a client that dribbles its body at THREADGATE_SHUTDOWN_TIMEOUT_MS instead
 * of waiting for it, and exits 0. Before, that client held the process for minutes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

interface RawClient {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves once what was received matches `pattern`. */
  receive(pattern: RegExp): Promise<string>;
  closed: Promise<void>;
}

async function rawClient(url: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let data = '';
  const waiters: { pattern: RegExp; resolve: (text: string) => void }[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(data)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(data);
      }
    }
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    received: () => data,
    receive: (pattern) => (pattern.test(data) ? Promise.resolve(data) : new Promise((resolve) => waiters.push({ pattern, resolve }))),
    closed,
  };
}

/** The head of a POST that creates an API key, announcing `length` body bytes, asking for 100-continue. */
function createKeyHead(length: number): string {
  return [
    'POST /admin/v1/api-keys HTTP/1.1',
    'Host: 127.0.0.1',
    `Authorization: Bearer ${TEST_ADMIN_KEY}`,
    'Content-Type: application/json',
    `Content-Length: ${length}`,
    // The server answers "100 Continue" once it has the request: proof that it is in flight.
    'Expect: 100-continue',
    '',
    '',
  ].join('\r\n');
}

describe('serve: SIGTERM drains with a deadline (real process)', () => {
  let dir: string;
  let server: ServerProcess | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-shutdown-'));
  });
  after(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the request in flight, closes idle and dribbling connections, exits 0', { timeout: 60_000 }, async () => {
    server = await startServerProcess({ DATABASE_URL: join(dir, 'data.db'), THREADGATE_SHUTDOWN_TIMEOUT_MS: '2000', LOG_LEVEL: 'info' });
    const exited = new Promise<number | null>((resolve) => server!.child.once('exit', (code) => resolve(code)));
    const events: string[] = [];

    // An idle keep-alive connection: one request answered, the connection left open.
    const idle = await rawClient(server.url);
    idle.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await idle.receive(/\r\n\r\n\{[^]*\}$/);
    void idle.closed.then(() => events.push('idle closed'));

    // A client that announces 1000 bytes of body and sends one.
    const dribbler = await rawClient(server.url);
    dribbler.socket.write(createKeyHead(1000));
    await dribbler.receive(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
    dribbler.socket.write('{');
    void dribbler.closed.then(() => events.push('dribbler closed'));

    // A fast request in flight: its body is sent after SIGTERM.
    const body = JSON.stringify({ name: 'during shutdown' });
    const fast = await rawClient(server.url);
    fast.socket.write(createKeyHead(Buffer.byteLength(body)));
    await fast.receive(/^HTTP\/1\.1 100 Continue\r\n\r\n/);

    void exited.then(() => events.push('exited'));
    server.child.kill('SIGTERM');
    while (!/shutting down/.test(server.output())) await new Promise((resolve) => setTimeout(resolve, 20));

    await assert.rejects(fetch(`${server.url}/health`), 'no new connection is accepted');
    fast.socket.write(body);
    const answer = await fast.receive(/\r\n\r\n\{[^]*\}$/);
    events.push('fast answered');
    assert.match(answer, /HTTP\/1\.1 201 Created\r\n/);
    assert.match(answer, /\r\nConnection: close\r\n/i);
    assert.match(answer, /"key":"tg_sk_/);

    assert.equal(await exited, 0, server.output());
    await Promise.all([idle.closed, dribbler.closed, fast.closed]);
    assert.doesNotMatch(dribbler.received(), /HTTP\/1\.1 201/, 'the dribbling request never completed');
    assert.match(server.output(), /shutdown deadline passed/);
    assert.ok(events.indexOf('idle closed') < events.indexOf('exited'), `idle closed before the exit: ${events.join(', ')}`);
    assert.ok(events.indexOf('fast answered') < events.indexOf('exited'), `the fast request answered before the exit: ${events.join(', ')}`);
  });

  it('a second signal during the drain exits at once with code 1', { timeout: 60_000 }, async () => {
    server = await startServerProcess({ DATABASE_URL: join(dir, 'data.db'), THREADGATE_SHUTDOWN_TIMEOUT_MS: '600000', LOG_LEVEL: 'info' });
    const exited = new Promise<number | null>((resolve) => server!.child.once('exit', (code) => resolve(code)));
    const dribbler = await rawClient(server.url);
    dribbler.socket.write(createKeyHead(1000));
    await dribbler.receive(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
    server.child.kill('SIGTERM');
    while (!/shutting down/.test(server.output())) await new Promise((resolve) => setTimeout(resolve, 20));
    server.child.kill('SIGINT');
    assert.equal(await exited, 1, server.output());
    assert.match(server.output(), /second signal during shutdown/);
    await dribbler.closed;
  });
});
