/**
 * docs/credentials/admin-key.md's admin API table lists exactly the admin routes the app registers:
 * a new admin route must be documented there, and a documented one must exist.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { declaredPolicies } from '../../src/http/define-route.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** The routes of the "## The admin API" table: `METHOD /path` from each row's first cell. */
function documentedAdminRoutes(): string[] {
  const page = readFileSync(new URL('../../docs/credentials/admin-key.md', import.meta.url), 'utf8');
  const section = page.slice(page.indexOf('## The admin API'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('|')));
  return [...table.matchAll(/^\| `([A-Z]+) (\/[^`]+)` \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
}

describe('admin API docs', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  it('the admin table in docs/credentials/admin-key.md lists every registered admin route, and no other', () => {
    const registered = new Set<string>();
    for (const route of t.app.routes) {
      const key = `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`;
      if (declaredPolicies.get(key)?.category === 'admin') registered.add(key);
    }
    assert.ok(registered.size >= 10, `expected the admin API, found ${registered.size} admin routes`);
    assert.deepEqual(documentedAdminRoutes(), [...registered].sort());
  });
});
