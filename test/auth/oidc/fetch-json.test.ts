/** The bounded provider fetch, against a local server: timeout, size limit, status, redirects, JSON. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchJson, ProviderFetchError } from '../../../src/auth/oidc/fetch-json.js';

describe('fetchJson', () => {
  let server: Server;
  let origin: string;
  before(async () => {
    server = createServer((req, res) => {
      switch (req.url) {
        case '/ok':
          return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
        case '/big':
          return res.writeHead(200).end(JSON.stringify({ pad: 'x'.repeat(5000) }));
        case '/big-chunked': {
          res.writeHead(200, { 'transfer-encoding': 'chunked' });
          for (let i = 0; i < 10; i++) res.write('x'.repeat(1000));
          return res.end();
        }
        case '/slow':
          return setTimeout(() => res.writeHead(200).end('{}'), 2000).unref();
        case '/redirect':
          return res.writeHead(302, { location: '/ok' }).end();
        case '/500':
          return res.writeHead(500).end('{}');
        case '/html':
          return res.writeHead(200).end('<html>');
        default:
          return res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const limits = { timeoutMs: 300, maxBytes: 4096 };
  const fails = async (path: string, pattern: RegExp) => {
    await assert.rejects(fetchJson(`${origin}${path}`, limits), (error: unknown) => error instanceof ProviderFetchError && pattern.test(error.message));
  };

  it('parses a JSON body', async () => {
    assert.deepEqual(await fetchJson(`${origin}/ok`, limits), { keys: [] });
  });
  it('refuses a body over the limit, declared or streamed', async () => {
    await fails('/big', /larger than 4096/);
    await fails('/big-chunked', /larger than 4096/);
  });
  it('times out', async () => {
    await fails('/slow', /timed out after 300 ms/);
  });
  it('does not follow redirects, and wants 200', async () => {
    await fails('/redirect', /request failed/);
    await fails('/500', /HTTP 500/);
    await fails('/missing', /HTTP 404/);
  });
  it('refuses a body that is not JSON, and an unreachable host', async () => {
    await fails('/html', /not JSON/);
    await assert.rejects(fetchJson('http://127.0.0.1:1/x', limits), ProviderFetchError);
  });
});
