/**
 * The workspace-token signing keys (SPEC 2.1): ES256 key pairs kept in the store, the private half
 * sealed with the master key (purpose `signing-key`). One key is active and signs; retired keys stay
 * published at `/.well-known/jwks.json` until every token they signed has expired, then go.
 *
 * Several processes share the store. A process sees another's rotation in three ways: `jwks()`
 * reads the key list on every call, and signing reloads it when it is older than
 * `refreshIntervalMs`; an unknown `kid` reloads
 * at once (single flight, at most once per `unknownKidCooldownMs`, so a flood of made-up kids cannot
 * turn into a flood of queries); and a retired key is published for `refreshIntervalMs` longer than
 * the token lifetime, to cover a process that kept signing with it until its next reload.
 *
 * Keys are imported once per process and kept as CryptoKeys; the private key is re-imported as
 * non-extractable.
 */
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { UnknownKeyId } from '../errors.js';
import { createId } from '../crypto/random-id.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { SigningKeyRecord, Store } from '../store/store.js';
import type { JwsHeader } from './jwt-strict.js';
import type { KeyResolver, ResolvedKey } from './verify-jws.js';

/** The secret-box purpose of sealed private signing keys. */
export const SIGNING_KEY_PURPOSE = 'signing-key';

export interface KeyringOptions {
  store: Store;
  secretBox: SecretBox;
  /** Lifetime of workspace tokens, seconds (config.workspaceTokenTtlSeconds). */
  workspaceTokenTtlSeconds: number;
  /** Allowed clock skew, seconds (config.clockToleranceSeconds). */
  clockToleranceSeconds: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** How long a loaded key list is trusted before signing reloads it, ms. Default 30 000. */
  refreshIntervalMs?: number;
  /** Least time between two reloads caused by an unknown `kid`, ms. Default 1 000. */
  unknownKidCooldownMs?: number;
}

/** A public key as published in the JWKS. */
export interface PublicJwk extends JWK {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  use: 'sig';
}

export interface SigningKey {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  privateKey: CryptoKey;
}

export interface Keyring {
  /** The active key, for minting. */
  signingKey(): Promise<SigningKey>;
  /** The public key for `kid` if it is published (active, or retired and not yet past `publishUntil`). */
  getVerificationKey(kid: string): Promise<ResolvedKey | undefined>;
  /** A {@link KeyResolver} over {@link Keyring.getVerificationKey}: throws `UnknownKeyId`. */
  resolveKey: KeyResolver;
  /** The JWKS document: active and still-published retired keys. */
  jwks(): Promise<{ keys: PublicJwk[] }>;
  /** Makes a new active key and retires the others; returns the new `kid`. */
  rotate(): Promise<string>;
}

interface Entry {
  record: SigningKeyRecord;
  publicJwk: PublicJwk;
  publicKey: CryptoKey;
  /** Imported on first use, active key only. */
  privateKey?: Promise<CryptoKey>;
}

/** What our kids look like (`createId('key')`); anything else is unknown without asking the store. */
const KID = /^[A-Za-z0-9_-]{1,64}$/;

const PUBLIC_MEMBERS: Record<string, readonly string[]> = { EC: ['kty', 'crv', 'x', 'y'], OKP: ['kty', 'crv', 'x'] };

function toPublicJwk(record: SigningKeyRecord): PublicJwk {
  const parsed = JSON.parse(record.publicJwk) as Record<string, unknown>;
  const members = PUBLIC_MEMBERS[String(parsed.kty)];
  if (members === undefined) throw new Error(`signing key ${record.kid} has an unsupported kty`);
  // Only public members go out, whatever the stored JSON holds.
  const jwk: Record<string, unknown> = {};
  for (const name of members) if (parsed[name] !== undefined) jwk[name] = parsed[name];
  return { ...jwk, kid: record.kid, alg: record.alg, use: 'sig' } as PublicJwk;
}

function isPublished(record: SigningKeyRecord, now: number): boolean {
  return record.retiredAt === null || (record.publishUntil !== null && record.publishUntil > now);
}

/** Newest active key first; ties (two processes creating one at once) broken by kid. */
function pickActive(entries: Iterable<Entry>): Entry | undefined {
  let best: Entry | undefined;
  for (const entry of entries) {
    if (entry.record.retiredAt !== null) continue;
    if (
      best === undefined ||
      entry.record.createdAt > best.record.createdAt ||
      (entry.record.createdAt === best.record.createdAt && entry.record.kid > best.record.kid)
    ) {
      best = entry;
    }
  }
  return best;
}

/**
 * Loads the signing keys from the store, creating the first one when there is none, and returns the
 * keyring.
 *
 * @example
 * const keyring = await createKeyring({ store, secretBox, workspaceTokenTtlSeconds: 300, clockToleranceSeconds: 30 })
 * const { kid, privateKey } = await keyring.signingKey()
 * await keyring.rotate()
 */
export async function createKeyring(options: KeyringOptions): Promise<Keyring> {
  const { store, secretBox } = options;
  const clock = options.clock ?? Date.now;
  const refreshIntervalMs = options.refreshIntervalMs ?? 30_000;
  const unknownKidCooldownMs = options.unknownKidCooldownMs ?? 1_000;
  if (!(options.workspaceTokenTtlSeconds > 0) || !(options.clockToleranceSeconds >= 0)) {
    throw new TypeError('createKeyring: workspaceTokenTtlSeconds must be positive and clockToleranceSeconds not negative');
  }

  let entries = new Map<string, Entry>();
  let loadedAt = -Infinity;
  let lastKidReloadAt = -Infinity;
  let loading: Promise<void> | undefined;

  async function importEntry(record: SigningKeyRecord): Promise<Entry> {
    const publicJwk = toPublicJwk(record);
    const publicKey = (await importJWK(publicJwk, record.alg)) as CryptoKey;
    return { record, publicJwk, publicKey };
  }

  /** Reads the key list; keys already imported are kept, only their record is refreshed. */
  function reload(): Promise<void> {
    // Single flight: every caller during a load waits for the same query.
    loading ??= (async () => {
      try {
        const startedAt = clock();
        const records = await store.listSigningKeys();
        const next = new Map<string, Entry>();
        for (const record of records) {
          const known = entries.get(record.kid);
          next.set(record.kid, known !== undefined ? { ...known, record } : await importEntry(record));
        }
        entries = next;
        loadedAt = startedAt;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  async function fresh(): Promise<void> {
    if (clock() - loadedAt >= refreshIntervalMs) await reload();
  }

  async function createKey(): Promise<string> {
    const now = clock();
    const kid = createId('key', now);
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
    await store.insertSigningKey({
      kid,
      alg: 'ES256',
      publicJwk: JSON.stringify(publicJwk),
      privateJwkEncrypted: secretBox.seal(JSON.stringify(privateJwk), SIGNING_KEY_PURPOSE),
      createdAt: now,
      retiredAt: null,
      publishUntil: null,
    });
    return kid;
  }

  async function activeEntry(): Promise<Entry> {
    await fresh();
    let active = pickActive(entries.values());
    if (active === undefined) {
      // First start (or every key retired by hand): make one. Two processes doing this at once
      // each insert a key; both are published and the newest signs everywhere.
      await createKey();
      await reload();
      active = pickActive(entries.values());
      if (active === undefined) throw new Error('no active signing key after creating one');
    }
    return active;
  }

  async function privateKeyOf(entry: Entry): Promise<CryptoKey> {
    entry.privateKey ??= (async () => {
      const jwk = JSON.parse(secretBox.open(entry.record.privateJwkEncrypted, SIGNING_KEY_PURPOSE)) as JWK;
      return (await importJWK(jwk, entry.record.alg, { extractable: false })) as CryptoKey;
    })();
    return entry.privateKey;
  }

  async function getVerificationKey(kid: string): Promise<ResolvedKey | undefined> {
    if (!KID.test(kid)) return undefined;
    let entry = entries.get(kid);
    if (entry === undefined && clock() - lastKidReloadAt >= unknownKidCooldownMs) {
      // Perhaps another process rotated: look once (the cooldown bounds how often).
      lastKidReloadAt = clock();
      await reload();
      entry = entries.get(kid);
    }
    if (entry === undefined || !isPublished(entry.record, clock())) return undefined;
    return { key: entry.publicKey, algorithm: entry.record.alg };
  }

  const keyring: Keyring = {
    async signingKey() {
      const entry = await activeEntry();
      return { kid: entry.record.kid, alg: entry.record.alg, privateKey: await privateKeyOf(entry) };
    },
    getVerificationKey,
    async resolveKey(header: JwsHeader) {
      if (header.kid === undefined) throw new UnknownKeyId({ message: 'The token names no signing key (kid).' });
      const resolved = await getVerificationKey(header.kid);
      if (resolved === undefined) throw new UnknownKeyId();
      return resolved;
    },
    async jwks() {
      // Read the key list every time (single flight: concurrent requests share one query), so a
      // rotation by another process (`threadgate keys rotate`) is published at once. The route
      // answers with Cache-Control, and the table holds a handful of rows.
      await reload();
      const now = clock();
      const published = [...entries.values()]
        .filter((entry) => isPublished(entry.record, now))
        .sort((a, b) => b.record.createdAt - a.record.createdAt || (a.record.kid < b.record.kid ? 1 : -1));
      return { keys: published.map((entry) => ({ ...entry.publicJwk })) };
    },
    async rotate() {
      const kid = await createKey();
      const now = clock();
      // Every token an older key signed expires by: now + token lifetime + allowed skew, plus the
      // time another process may keep signing with it before it reloads the key list.
      const publishUntil = now + (options.workspaceTokenTtlSeconds + options.clockToleranceSeconds) * 1000 + refreshIntervalMs;
      await store.retireSigningKeys(kid, now, publishUntil);
      await store.pruneSigningKeys(now);
      await reload();
      return kid;
    },
  };

  await activeEntry();
  return keyring;
}
