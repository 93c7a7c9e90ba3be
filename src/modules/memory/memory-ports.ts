/**
 * What the memory module needs from outside it, as ports the composition root (server.ts) fills:
 * it reads no other module's tables.
 */

/**
 * The threads a caller may name in a memory's `thread_id` (as a memory's thread, or as a filter):
 * the threads module decides, so a memory can only point at a thread its caller can see.
 * server.ts passes the threads module's service.
 */
export interface MemoryThreads {
  /**
   * Resolves when the thread is the caller's: in `scope`'s project and workspace. Throws the
   * threads routes' own answer otherwise, `NotFound` ("No such thread.", 404 `not_found`), so a
   * thread of another workspace looks exactly like one that never existed.
   */
  requireThread(scope: { projectId: string; workspaceId: string }, threadId: string): Promise<unknown>;
}
