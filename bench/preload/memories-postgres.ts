/**
 * The memory preload on PostgreSQL (the data: memories.ts), kept as a template database on the
 * server (`tg_bench_mem_tpl_<size>_<version>`, bench/preload/postgres.ts's `freshDatabaseFrom`;
 * `--rebuild-cache` drops it), each run getting its own copy. The rows are generated here (the
 * texts and vectors are JavaScript's) and sent in batches as arrays (`unnest`), with the tsvector
 * computed by the server in the language Threadgate searches in, and the secondary indexes (the GIN
 * index among them) dropped during the load and built again afterwards.
 */
import { PROJECT_ID, type PreloadSize } from './data.js';
import { EMBEDDING_MODEL, memoryPreloadVersion, preloadedMemories, type PreloadedMemory } from './memories.js';
import { freshDatabaseFrom, withClient, type FreshDatabase } from './postgres.js';

/** The text-search configuration of the preload, passed to Threadgate as THREADGATE_MEMORY_LANGUAGE (its default). */
export const MEMORY_LANGUAGE = 'english';

const BATCH = 2000;

/** A fresh database holding the memory preload of `size`, copied from its template (built first if missing). */
export function freshMemoryDatabase(serverUrl: string, size: PreloadSize, label: string, log: (line: string) => void): Promise<FreshDatabase> {
  const template = {
    name: `tg_bench_mem_tpl_${size}_${memoryPreloadVersion()}`,
    prefix: `tg_bench_mem_tpl_${size}_`,
    description: `${size} PostgreSQL memory preload`,
    fill: (url: string) => fillMemories(url, size),
  };
  return freshDatabaseFrom(serverUrl, template, `mem_${label}_${size}`, log);
}

async function fillMemories(url: string, size: PreloadSize): Promise<void> {
  await withClient(url, async (client) => {
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      "select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = 'memories' and indexname not like '%_pkey'",
    );
    for (const index of indexes) await client.query(`drop index ${index.indexname}`);
    const send = (batch: PreloadedMemory[]) =>
      client.query(
        `insert into memories (id, project_id, workspace_id, user_id, agent_id, thread_id, text, metadata, created_at, updated_at, expires_at, embedding, embedding_model, embed_pending, search_vector)
         select id, $1, workspace_id, user_id, null, null, text, metadata, at, at, null, embedding, $2, 0, to_tsvector($3::regconfig, text)
         from unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[], $10::bytea[]) as r(id, workspace_id, user_id, text, metadata, at, embedding)`,
        [
          PROJECT_ID, EMBEDDING_MODEL, MEMORY_LANGUAGE,
          batch.map((m) => m.id), batch.map((m) => m.workspaceId), batch.map((m) => m.userId), batch.map((m) => m.text),
          batch.map((m) => m.metadata), batch.map((m) => m.at), batch.map((m) => m.embedding),
        ],
      );
    let batch: PreloadedMemory[] = [];
    for (const memory of preloadedMemories(size)) {
      batch.push(memory);
      if (batch.length === BATCH) {
        await send(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await send(batch);
    await client.query("set maintenance_work_mem = '512MB'");
    for (const index of indexes) await client.query(index.indexdef);
    // autovacuum would analyze the table within a minute of the load anyway.
    await client.query('vacuum analyze memories');
  });
}
