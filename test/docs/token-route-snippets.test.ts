/**
 * The browser snippets (README.md and docs/) call the backend token route that
 * docs/credentials/api-key.md defines, at its path and reading its answer as it sends it (plain
 * text), so copying the README's snippet beside the docs' route works.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

describe('token route snippets', () => {
  it('every browser snippet fetches the route api-key.md defines and reads it as text', () => {
    const routePage = readFileSync(join(ROOT, 'docs/credentials/api-key.md'), 'utf8');
    const routeFile = /\/\/ app(\/api\/[^\s]+)\/route\.ts/.exec(routePage);
    assert.ok(routeFile, 'api-key.md defines a Next.js route handler');
    const routePath = routeFile[1]!;
    assert.match(routePage, /return new Response\(token\);/, 'the route answers the token as plain text');

    const calls = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))].flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/fetch\("(\/api\/[^"]+)"[^)]*\)\s*\.then\(\(r\) => ([^)]*\))/g)].map((m) => ({ file, path: m[1]!, read: m[2]! })),
    );
    assert.ok(calls.some((call) => call.file.endsWith('README.md')), 'the README has a browser snippet');
    for (const call of calls) {
      assert.equal(call.path, routePath, `${call.file} calls ${call.path}`);
      assert.equal(call.read, 'r.text()', `${call.file} reads the answer with ${call.read}`);
    }
  });
});
