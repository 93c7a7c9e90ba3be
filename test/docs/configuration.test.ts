/** Every environment variable src/config.ts reads is documented in docs/configuration.md. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

describe('configuration docs', () => {
  it('name every variable the configuration reads', () => {
    const source = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');
    const page = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/env(?:\.|\[')([A-Z][A-Z0-9_]+)|'([A-Z][A-Z0-9_]{2,})'/g)].map((m) => m[1] ?? m[2]!));
    read.delete('ConfigError');
    const undocumented = [...read].filter((name) => !page.includes(`\`${name}\``));
    assert.ok(read.size >= 20, `found only ${read.size} variables in src/config.ts`);
    assert.deepEqual(undocumented, []);
  });
});
