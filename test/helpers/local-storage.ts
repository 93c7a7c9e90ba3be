/** The Web Storage methods the client uses (lib.dom's Storage, without loading the DOM types). */
export interface WebStorage {
  readonly length: number;
  clear(): void;
  getItem(key: string): string | null;
  key(index: number): string | null;
  removeItem(key: string): void;
  setItem(key: string, value: string): void;
}

/** A Web Storage shim on globalThis, as a browser has, for the client's anonymous mode. */
export function installLocalStorage(): { storage: WebStorage; uninstall(): void } {
  const items = new Map<string, string>();
  const storage: WebStorage = {
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
      delete (globalThis as { localStorage?: WebStorage }).localStorage;
    },
  };
}
