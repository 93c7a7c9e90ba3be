/**
 * The one bounded cache every cache of the verifier is built on (the verified-credential cache,
 * the cached lookups and their misses): a Map of at most `maxEntries` entries that, when full,
 * drops the oldest entry not used since it was last considered (second chance, the CLOCK
 * approximation of least-recently-used). It holds values only: when an entry stops being valid
 * (its age, the revocation epoch) is the caller's rule, which deletes or clears it.
 *
 * A hit only sets a flag: moving the entry to the end of the Map on every hit (a true LRU) made
 * hits on a full cache much slower (docs/benchmarks.md has the figure, change 7). The eviction hand is a
 * live iterator that stays where it stopped: a new iteration from the front would first walk every
 * deleted slot of the Map.
 */

interface Slot<V> {
  value: V;
  /** Used since it was inserted or last given a second chance. */
  used: boolean;
}

export class BoundedCache<K, V> {
  #slots = new Map<K, Slot<V>>();
  #hand: IterableIterator<[K, Slot<V>]> = this.#slots.entries();

  /**
   * @example
   * const cache = new BoundedCache<string, number>(10_000)
   * cache.set('a', 1)
   * cache.get('a') // 1
   */
  constructor(readonly maxEntries: number) {}

  /** The value under `key`, marked used; `undefined` when none. */
  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.value;
  }

  /** The value under `key` without marking it used. */
  peek(key: K): V | undefined {
    return this.#slots.get(key)?.value;
  }

  /** Stores `value` as the newest entry under `key`, replacing any; then evicts one entry if over the bound. */
  set(key: K, value: V): void {
    if (this.maxEntries <= 0) return;
    this.#slots.delete(key);
    this.#slots.set(key, { value, used: false });
    if (this.#slots.size > this.maxEntries) this.#evictOne();
  }

  delete(key: K): boolean {
    return this.#slots.delete(key);
  }

  /** Drops every entry. */
  clear(): void {
    this.#slots = new Map();
    this.#hand = this.#slots.entries();
  }

  get size(): number {
    return this.#slots.size;
  }

  /** From the hand on: a used entry loses its flag and goes to the end; the first unused one goes. */
  #evictOne(): void {
    // Every entry is passed at most twice (once to clear its flag), so this always ends.
    for (let steps = 2 * this.#slots.size + 1; steps > 0; steps--) {
      let step = this.#hand.next();
      if (step.done === true) {
        this.#hand = this.#slots.entries();
        step = this.#hand.next();
        if (step.done === true) return;
      }
      const [key, slot] = step.value;
      this.#slots.delete(key);
      if (!slot.used) return;
      slot.used = false;
      this.#slots.set(key, slot);
    }
  }
}
