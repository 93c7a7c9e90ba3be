/**
 * Step-by-step explanations of a verification, for `POST /admin/v1/tokens/inspect` and
 * `threadgate token inspect`. The verification code reports each check it makes with `traceStep`;
 * the report goes to the trace of the current async context (AsyncLocalStorage), if any. Outside
 * an inspection there is no trace and a report costs one `getStore()` call.
 *
 * A step never carries a secret or a token: only check names and short public details (`kid`,
 * `alg`, claim names, the credential path).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface TraceStep {
  check: string;
  ok: boolean;
  detail?: string;
}

const current = new AsyncLocalStorage<TraceStep[]>();

/**
 * Records one check in the current trace (no-op when nothing is being inspected). A detail that
 * costs something to build (a date, a joined list) is passed as a function, called only while
 * inspecting, so the verification path does not format text nobody reads.
 */
export function traceStep(check: string, ok: boolean, detail?: string | (() => string)): void {
  const steps = current.getStore();
  if (steps === undefined) return;
  if (detail === undefined) steps.push({ check, ok });
  else steps.push({ check, ok, detail: typeof detail === 'function' ? detail() : detail });
}

/** True while an inspection runs (caches are bypassed, so every check really runs). */
export function isTracing(): boolean {
  return current.getStore() !== undefined;
}

/** Runs `fn` with a fresh trace and returns its result (or error) with the steps recorded. */
export async function withTrace<T>(fn: () => Promise<T>): Promise<{ steps: TraceStep[]; result: { ok: true; value: T } | { ok: false; error: unknown } }> {
  const steps: TraceStep[] = [];
  return current.run(steps, async () => {
    try {
      return { steps, result: { ok: true as const, value: await fn() } };
    } catch (error) {
      return { steps, result: { ok: false as const, error } };
    }
  });
}
