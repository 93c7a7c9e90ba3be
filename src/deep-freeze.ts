/**
 * Freezes a plain value all the way down (objects and arrays, not class instances' internals):
 * for values shared across requests that nobody may change, such as a cached store record or an
 * answer whose JSON text is kept. Returns the value itself. Values are acyclic (JSON-like).
 *
 * @example
 * const record = deepFreeze({ id: 'k1', agents: ['a'] })
 * Object.isFrozen(record.agents) // true
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  for (const member of Object.values(value)) deepFreeze(member);
  return Object.freeze(value);
}
