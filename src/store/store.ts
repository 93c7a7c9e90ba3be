/**
 * The one storage interface. SQLite (`sqlite/sqlite-store.ts`) and PostgreSQL
 * (`postgres/postgres-store.ts`) implement it over one Kysely query layer, as kysely keeps one
 * `Dialect` interface with a folder per database. `test/store/store-cases.ts` runs the same
 * suite against both.
 *
 * Every method takes the project id and, for workspace data, the workspace id: a query can never
 * reach another project's or workspace's rows, whatever id it is given. Authorization above this
 * layer decides who may call; this layer makes cross-workspace reads impossible to write.
 *
 * Times are milliseconds since the epoch. JSON fields are plain values (the store serializes them).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Thread {
  id: string;
  projectId: string;
  workspaceId: string;
  title: string;
  lastMessageAt: number;
  metadata: Json;
  externalId: string | null;
  isArchived: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Message {
  id: string;
  projectId: string;
  threadId: string;
  parentId: string | null;
  height: number;
  format: string;
  content: Json;
  externalId: string | null;
  createdAt: number;
  updatedAt: number;
  /** Set on a message that had a run lease (opened with `openRun`). */
  run?: MessageRun;
}

/** Why a run lease ended. */
export type RunEndReason = 'done' | 'cancelled' | 'error';

/**
 * A message's run lease: opened with the message, renewed by heartbeats and by writes carrying it,
 * ended by its holder. The store never ends one by itself.
 */
export interface MessageRun {
  leaseId: string;
  status: 'running' | 'ended';
  /** The last beat: the opening, a heartbeat, or a write carrying the lease. */
  lastHeartbeatAt: number;
  /** The first end's reason; null while running. */
  endReason: RunEndReason | null;
}

export interface Feedback {
  id: string;
  messageId: string;
  type: 'positive' | 'negative';
  comment: string | null;
}

export interface SigningKeyRecord {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  /** Public JWK, JSON. */
  publicJwk: string;
  /** Private JWK, JSON, encrypted with the master key (see crypto/secret-box.ts). */
  privateJwkEncrypted: string;
  createdAt: number;
  /** When it stopped signing; null for the active key. */
  retiredAt: number | null;
  /** Published in the JWKS until then (every token it signed has expired by then). */
  publishUntil: number | null;
}

export interface RefreshFamily {
  id: string;
  projectId: string;
  userId: string;
  workspaceId: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  projectId: string;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  /** The token that replaced this one, encrypted, kept only for the reuse interval. */
  successorEncrypted: string | null;
}

export interface UserRecord {
  projectId: string;
  id: string;
  anonymous: boolean;
  createdAt: number;
  /**
   * Tokens issued before this instant (ms) are refused (`threadgate users revoke`, written by the
   * users module: modules/users/users-repository.ts). Every revocation raises it strictly (to one ms past the stored value when its own instant is not later), so it
   * is also the user's revocation generation (auth/revocation.ts).
   */
  tokensValidAfter: number | null;
}

export interface ListThreadsQuery {
  projectId: string;
  workspaceId: string;
  /** Omitted: both archived and not (the HTTP lists always name one). */
  isArchived?: boolean;
  externalId?: string;
  limit: number;
  /** Keyset cursor: a thread id; rows after it in the list order. Unknown id: from the start. */
  after?: string;
}

/** The threads of every workspace of a project (`GET /v1/projects/threads`). */
export interface ListProjectThreadsQuery {
  projectId: string;
  /** Omitted: both archived and not (the HTTP list always names one). */
  isArchived?: boolean;
  limit: number;
  /** Keyset cursor: a thread id of the project; rows after it in the list order. Unknown id: from the start. */
  after?: string;
}

export interface ListMessagesQuery {
  projectId: string;
  threadId: string;
  format?: string;
  limit: number;
  /** Keyset cursor: a message id; rows after it in the list order. Unknown id: from the start. */
  after?: string;
}

export interface NewThread {
  projectId: string;
  workspaceId: string;
  title: string;
  lastMessageAt: number;
  metadata: Json;
  externalId: string | null;
}

export interface ThreadPatch {
  title?: string;
  lastMessageAt?: number;
  metadata?: Json;
  isArchived?: boolean;
}

export interface NewMessage {
  projectId: string;
  workspaceId: string;
  threadId: string;
  /** Parent message id (null for a root), or resolve the parent by `parentExternalId`. */
  parentId: string | null;
  parentExternalId?: string;
  format: string;
  content: Json;
  externalId: string | null;
  /** Opens a run lease on the new message, in the same transaction. */
  openRun?: boolean;
}

/** Result of appending: the message, or why not (unknown thread or parent). */
export type AppendResult =
  | { ok: true; message: Message }
  | { ok: false; reason: 'thread_not_found' | 'parent_not_found' };

/**
 * `lease_mismatch`: a lease was named and the message does not hold it (another lease, or none);
 * `run_ended`: the message holds that lease and it has ended.
 */
export type UpdateMessageResult = 'updated' | 'not_found' | 'has_children' | 'lease_mismatch' | 'run_ended';

/** A heartbeat's outcome: renewed, the lease has ended, or no message of the thread holds it. */
export type HeartbeatRunResult = 'renewed' | 'ended' | 'not_found';

/** An end's outcome: the reason the lease ended with (the first end's), or not found. */
export type EndRunResult = { ok: true; reason: RunEndReason } | { ok: false; reason: 'not_found' };

export interface NewRun {
  projectId: string;
  workspaceId: string;
  userId: string;
  threadId: string | null;
  status: string;
  report: Json;
}

export interface NewEvent {
  kind: string;
  threadId: string | null;
  messageId: string | null;
  runId: string | null;
  value: number | null;
  props: Json;
}

export interface NewScore {
  projectId: string;
  workspaceId: string;
  userId: string;
  name: string;
  dataType: 'numeric' | 'categorical' | 'boolean';
  value: number | null;
  stringValue: string | null;
  comment: string | null;
  threadId: string | null;
  messageId: string | null;
  runId: string | null;
}

export interface ScoreRecord extends NewScore {
  id: string;
  createdAt: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /** Runs every pending migration. Idempotent; safe to call from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // Threads: always within one project and workspace.
  createThread(input: NewThread): Promise<Thread>;
  getThread(projectId: string, workspaceId: string, threadId: string): Promise<Thread | undefined>;
  findThreadByExternalId(projectId: string, workspaceId: string, externalId: string): Promise<Thread | undefined>;
  /** Most recent `lastMessageAt` first, then id. */
  listThreads(query: ListThreadsQuery): Promise<Thread[]>;
  updateThread(projectId: string, workspaceId: string, threadId: string, patch: ThreadPatch): Promise<Thread | undefined>;
  /** Threads of every workspace of the project, in the order of `listThreads`. */
  listProjectThreads(query: ListProjectThreadsQuery): Promise<Thread[]>;
  /** A thread of the project, whatever its workspace (project-wide reads only). */
  getProjectThread(projectId: string, threadId: string): Promise<Thread | undefined>;
  /** Deletes the thread with its messages and feedback. False when it did not exist. */
  deleteThread(projectId: string, workspaceId: string, threadId: string): Promise<boolean>;
  /** Moves every thread of one workspace into another (anonymous claim). Returns how many moved. */
  moveThreads(projectId: string, fromWorkspaceId: string, toWorkspaceId: string): Promise<number>;

  // Messages: the caller has already resolved the thread within its workspace.
  /** Inserts a message, computing `height` from its parent, and bumps the thread's `lastMessageAt`. Atomic. */
  appendMessage(input: NewMessage): Promise<AppendResult>;
  getMessage(projectId: string, threadId: string, messageId: string): Promise<Message | undefined>;
  /** Newest first (created_at, then id), as the hosted service returns them. */
  listMessages(query: ListMessagesQuery): Promise<Message[]>;
  /**
   * Replaces the content; refuses when the message has children. With `leaseId`, writes as the
   * holder of that run lease, which renews it, and refuses when the message does not hold it or it
   * has ended. Atomic.
   */
  updateMessage(projectId: string, threadId: string, messageId: string, content: Json, leaseId?: string): Promise<UpdateMessageResult>;
  /** The message of the thread holding this run lease, running or ended. */
  findMessageByLease(projectId: string, threadId: string, leaseId: string): Promise<Message | undefined>;
  /** Records a beat of a running lease. One conditional write: never renews an ended lease. */
  heartbeatRun(projectId: string, threadId: string, leaseId: string): Promise<HeartbeatRunResult>;
  /** Ends a running lease with `reason`; ending an ended one changes nothing and reports its first reason. */
  endRun(projectId: string, threadId: string, leaseId: string, reason: RunEndReason): Promise<EndRunResult>;
  /** Deletes the listed messages of this thread and every descendant of them. Returns how many went. */
  deleteMessages(projectId: string, threadId: string, messageIds: readonly string[]): Promise<number>;
  /** One feedback per user and message; a second one replaces the first. */
  putFeedback(input: { projectId: string; threadId: string; messageId: string; userId: string; type: 'positive' | 'negative'; comment: string | null }): Promise<Feedback>;

  // Telemetry, which the workspace owns like its threads.
  createRun(input: NewRun): Promise<{ id: string }>;
  createEvents(projectId: string, workspaceId: string, userId: string, events: readonly NewEvent[]): Promise<number>;
  createScore(input: NewScore): Promise<ScoreRecord>;
  /** How many runs, events and scores the workspace holds (for one thread when given). */
  countTelemetry(projectId: string, workspaceId: string, threadId?: string): Promise<{ runs: number; events: number; scores: number }>;

  // Workspace-token signing keys (server-wide).
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  insertSigningKey(record: SigningKeyRecord): Promise<void>;
  /** Retires every active key except `exceptKid`, publishing each until `publishUntil`. */
  retireSigningKeys(exceptKid: string, retiredAt: number, publishUntil: number): Promise<void>;
  /** Deletes keys whose `publishUntil` has passed. */
  pruneSigningKeys(now: number): Promise<number>;

  // Anonymous sessions and refresh tokens.
  upsertUser(record: UserRecord): Promise<void>;
  getUser(projectId: string, userId: string): Promise<UserRecord | undefined>;
  insertRefreshFamily(record: RefreshFamily): Promise<void>;
  getRefreshFamily(projectId: string, familyId: string): Promise<RefreshFamily | undefined>;
  revokeRefreshFamily(projectId: string, familyId: string, at: number): Promise<void>;
  insertRefreshToken(record: RefreshTokenRecord): Promise<void>;
  findRefreshTokenByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Marks the token consumed and records its (encrypted) successor, only if it was not consumed
   * yet. Returns false when another request consumed it first (oidc-provider's `consume`).
   */
  consumeRefreshToken(id: string, at: number, successorEncrypted: string | null): Promise<boolean>;

  // Server settings (generated admin key hash, ...).
  getSetting(key: string): Promise<string | undefined>;
  /** Stores the value unless the key exists; returns the value that is stored afterwards. */
  putSettingIfAbsent(key: string, value: string): Promise<string>;
  /** Stores the value, replacing any earlier one. */
  putSetting(key: string, value: string): Promise<void>;
}
