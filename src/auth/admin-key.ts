/**
 * The admin / console key (SPEC 2.6): a credential separate from every user credential, for
 * `/admin/v1`. Either THREADGATE_ADMIN_KEY, or a key generated on first start whose SHA-256 is
 * kept in the store (the key itself is printed once and never stored). Compared in constant time.
 */
import { AuthError, AuthenticationRequired } from '../errors.js';
import { constantTimeEqual, hashSecret } from '../crypto/hash.js';
import { createSecret } from '../crypto/random-id.js';
import type { Store } from '../store/store.js';

export interface AdminKeyVerifier {
  /** Throws unless `presented` is the admin key. */
  verify(presented: string | undefined): Promise<void>;
}

const SETTING = 'admin_key_sha256';

/**
 * Makes sure an admin key exists. Returns the new key when this call generated it (print it
 * once), or null when THREADGATE_ADMIN_KEY is set or a key was generated before.
 */
export async function ensureAdminKey(store: Store, configured: string | null): Promise<string | null> {
  if (configured !== null) return null;
  if ((await store.getSetting(SETTING)) !== undefined) return null;
  const key = `tg_admin_${createSecret(32)}`;
  const stored = await store.putSettingIfAbsent(SETTING, hashSecret(key));
  // Another process may have generated one first; then that one stands and ours is dropped.
  return stored === hashSecret(key) ? key : null;
}

export function createAdminKeyVerifier(store: Store, configured: string | null): AdminKeyVerifier {
  return {
    async verify(presented) {
      if (presented === undefined) throw new AuthenticationRequired({ message: 'The admin key is required.' });
      const ok =
        configured !== null
          ? constantTimeEqual(presented, configured)
          : constantTimeEqual(hashSecret(presented), (await store.getSetting(SETTING)) ?? '');
      if (!ok) throw new AuthError('invalid_admin_key');
    },
  };
}
