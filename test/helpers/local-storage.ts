/** A Web Storage shim on globalThis, as a browser has, for the client's anonymous mode. */
export function installLocalStorage(): { storage: Storage; uninstall(): void } {
  const items = new Map<string, string>();
  const storage: Storage = {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
  Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true, writable: true });
  return {
    storage,
    uninstall() {
      delete (globalThis as { localStorage?: Storage }).localStorage;
    },
  };
}
