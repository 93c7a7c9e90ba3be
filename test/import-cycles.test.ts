/**
 * No import cycles under src/ (issue 12): dependencies point one way, so any module can be loaded,
 * tested and replaced on its own. Type-only imports count too: a cycle of types is still two
 * modules that cannot be understood apart. The graph is read by test/helpers/import-graph.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findImportCycles } from './helpers/import-graph.js';

describe('import cycles', () => {
  it('src/ has none, type-only imports included', () => {
    const cycles = findImportCycles(join(import.meta.dirname, '..', 'src'));
    assert.deepEqual(cycles, [], cycles.map((cycle) => cycle.join(' -> ')).join('\n'));
  });

  it('the graph reader finds a cycle through value, type-only, re-export and multi-line imports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadgate-cycles-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'a.ts'), "import { b } from './sub/b.js';\nexport const a = b;\n");
      writeFileSync(join(dir, 'sub', 'b.ts'), "import {\n  type C,\n} from '../c.js';\nexport const b = 1 as unknown as C;\n");
      writeFileSync(join(dir, 'c.ts'), "export type { A } from './d.js';\nexport type C = number;\n");
      writeFileSync(join(dir, 'd.ts'), "import type { a } from './a.js';\nexport type A = typeof a;\n");
      writeFileSync(join(dir, 'e.ts'), "// import { a } from './a.js' (a comment, not an import)\nexport const e = import('./a.js');\n");
      assert.deepEqual(findImportCycles(dir), [['a.ts', 'sub/b.ts', 'c.ts', 'd.ts', 'a.ts']]);
      assert.deepEqual(findImportCycles(dir, { includeTypeImports: false }), [], 'without type-only imports there is no cycle');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
