/**
 * The master key that encrypts secrets at rest. In production it comes from
 * THREADGATE_MASTER_KEY (resolveConfig refuses to start without it). In development, when it is
 * unset, a key file is generated next to the database on first start, and the server says so:
 * losing that file makes the stored signing keys unreadable.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, basename } from 'node:path';
import { parseMasterKey, type ResolvedConfig } from './config.js';

export interface MasterKeySource {
  key: Buffer;
  /** Where it came from, for the start banner. */
  origin: 'environment' | { generatedFile: string } | { file: string };
}

export function devMasterKeyPath(config: ResolvedConfig): string {
  return config.database.kind === 'sqlite'
    ? join(dirname(config.database.path), `${basename(config.database.path)}.master-key`)
    : join(process.cwd(), 'threadgate.master-key');
}

export function loadMasterKey(config: ResolvedConfig): MasterKeySource {
  if (config.masterKey !== null) return { key: config.masterKey, origin: 'environment' };
  if (config.mode === 'production') throw new TypeError('THREADGATE_MASTER_KEY is required in production');
  const path = devMasterKeyPath(config);
  if (existsSync(path)) return { key: parseMasterKey(readFileSync(path, 'utf8').trim()), origin: { file: path } };
  const key = randomBytes(32);
  // 'wx': never overwrite a key another process just wrote; mode 0600: only the owner reads it.
  try {
    writeFileSync(path, `${key.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return { key: parseMasterKey(readFileSync(path, 'utf8').trim()), origin: { file: path } };
    }
    throw error;
  }
  return { key, origin: { generatedFile: path } };
}
