/**
 * The key of a cached preload: a hash of the migration sources and of the data shape, so a new or
 * edited migration (or a change of bench/preload/data.ts) builds a fresh preload instead of
 * reusing one with an old schema.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const MIGRATIONS_DIR = join(ROOT, 'src', 'store', 'migrations');
/** Modules keep their migrations beside them (src/modules/<module>/migrations). */
const MODULES_DIR = join(ROOT, 'src', 'modules');
const DATA_FILE = join(import.meta.dirname, 'data.ts');

/** 12 hex characters, e.g. `3f9a1c0e7b2d`. */
export function schemaVersion(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(name).update('\0').update(readFileSync(join(MIGRATIONS_DIR, name))).update('\0');
  }
  for (const module of readdirSync(MODULES_DIR).sort()) {
    const dir = join(MODULES_DIR, module, 'migrations');
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) hash.update(`${module}/${name}`).update('\0').update(readFileSync(join(dir, name))).update('\0');
  }
  hash.update(readFileSync(DATA_FILE));
  return hash.digest('hex').slice(0, 12);
}
