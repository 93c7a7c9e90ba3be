/**
 * The mark of a response built by respond.ts (`sendJson`, `sendEmpty`) with every standard header
 * already in it, which the pipeline's headers completion (platform/http/complete-standard-headers.ts)
 * then leaves alone. A module of its own so that both can import it without importing each other.
 */

/** Marks responses built with every standard header already in them. */
const COMPLETE = Symbol('threadgate.standardHeaders');

/** Whether `response` was built by `sendJson` / `sendEmpty` (and so already has the standard headers). */
export function hasStandardHeaders(response: Response): boolean {
  return (response as Response & { [COMPLETE]?: true })[COMPLETE] === true;
}

/** Marks `response` as carrying every standard header. */
export function markComplete<R extends Response>(response: R): R {
  (response as Response & { [COMPLETE]?: true })[COMPLETE] = true;
  return response;
}
