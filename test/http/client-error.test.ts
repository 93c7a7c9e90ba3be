/**
 * src/http/client-error.ts: what Node's HTTP parser refuses (headers past its limit, a malformed
 * request line) is answered with the JSON error contract, not Node's bare status line. Raw sockets
 * against the real listening server, since these requests never reach the app.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startListeningServer, type ListeningServer } from '../helpers/listening-server.js';
import { clientErrorResponse } from '../../src/http/client-error.js';
import { API_SECURITY_HEADERS } from '../../src/http/middleware/standard-headers.js';

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
  /** Whether the server closed the connection. */
  closed: boolean;
}

/**
 * Writes `request` on a fresh connection and reads until the server closes it; `then`, when
 * given, is written once the first answer has arrived (the same connection, kept alive).
 */
function rawRequest(port: number, request: string, then?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    let next = then;
    socket.on('data', (chunk) => {
      data += chunk;
      if (next !== undefined && data.endsWith('}')) {
        socket.write(next);
        next = undefined;
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const end = data.indexOf('\r\n\r\n');
      const head = data.slice(0, end);
      const body = data.slice(end + 4);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, closed: true });
    });
    socket.write(request);
  });
}

function expectJsonError(answer: RawAnswer, status: number, code: string): void {
  assert.equal(answer.status, status);
  assert.equal(answer.headers.get('content-type'), 'application/json');
  assert.equal(answer.headers.get('connection'), 'close');
  assert.equal(Number(answer.headers.get('content-length')), Buffer.byteLength(answer.body));
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) assert.equal(answer.headers.get(name.toLowerCase()), value, name);
  const body = JSON.parse(answer.body) as { error: string; message: string };
  assert.equal(body.error, code);
  assert.ok(body.message.length > 0);
  assert.ok(answer.closed);
}

describe('requests the HTTP parser refuses get the JSON error contract', () => {
  let server: ListeningServer;
  before(async () => {
    server = await startListeningServer();
  });
  after(async () => {
    await server.stop();
  });

  it('headers past Node\'s limit: 431 headers_too_large', async () => {
    const answer = await rawRequest(server.port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectJsonError(answer, 431, 'headers_too_large');
  });

  it('a malformed request line: 400 bad_request', async () => {
    expectJsonError(await rawRequest(server.port, 'GET /health HTTP/1.1 extra\r\nHost: x\r\n\r\n'), 400, 'bad_request');
    expectJsonError(await rawRequest(server.port, '\u0001\u0002 nonsense\r\n\r\n'), 400, 'bad_request');
  });

  it('a malformed header: 400 bad_request', async () => {
    expectJsonError(await rawRequest(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'), 400, 'bad_request');
  });

  it('a bad request after a good one on a keep-alive connection: the good answer is whole, then the JSON error', async () => {
    const answer = await rawRequest(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /health HTTP/1.1 extra\r\n\r\n');
    assert.equal(answer.status, 200);
    const rest = answer.body.slice(answer.body.indexOf('HTTP/1.1 '));
    assert.match(rest, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(rest, /\{"error":"bad_request","message":"[^"]+"\}$/);
  });

  it('the server keeps answering normal requests', async () => {
    const res = await fetch(`${server.url}/health`);
    assert.equal(res.status, 200);
  });

  it('a request that timed out gets 408 request_timeout; a chunk extension overflow 413', () => {
    assert.match(clientErrorResponse(Object.assign(new Error('t'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' })), /^HTTP\/1\.1 408 Request Timeout\r\n[^]*"error":"request_timeout"/);
    assert.match(clientErrorResponse(Object.assign(new Error('c'), { code: 'HPE_CHUNK_EXTENSIONS_OVERFLOW' })), /^HTTP\/1\.1 413 Payload Too Large\r\n[^]*"error":"payload_too_large"/);
  });
});
