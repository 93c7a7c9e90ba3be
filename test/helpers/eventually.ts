/**
 * Waits until `check` holds, polling; fails naming `what` after `timeoutMs` (default 20 s, far
 * above every documented bound the tests wait for). A wait, never a timed assertion: a test that
 * must show something happened *before* a bound passes that bound as `timeoutMs`.
 *
 * @example
 * await eventually('b refuses the key', async () => (await b.call('GET', '/v1/threads', opts)).status === 401)
 */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: still not the case after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
