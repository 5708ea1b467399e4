// Opening the store's RocksDB and loading what the store keeps in memory per entity (its state,
// counts, key prefixes and highest record key): the start-up half of store.ts, kept apart from
// the store's read and write paths.
import { mkdir } from 'node:fs/promises'
import RocksDB from 'rocksdb-native'
import { cleanState, type EntityCounts, type EntityState } from './entity-state.js'
import { openErrorFor } from './errors.js'
import { entityReverseRange, indexPrefix, metaKey, reversePrefix, uniquePrefix } from './keyspace.js'
import { DEFAULT_WRITE_BUFFER_SIZE, type EntityRuntime, type IndexStoreTuning, type StoreEntitySpec } from './store-types.js'

/** Opens (creating if missing) the RocksDB directory. Throws IndexError LOCKED/CORRUPT/OPEN_FAILED. */
export async function openRocksDb(path: string, tuning: IndexStoreTuning): Promise<RocksDB> {
  let db: RocksDB | undefined
  try {
    await mkdir(path, { recursive: true })
    // rocksdb-native's own default memtable is 64 MiB (two kept): too much for a sidecar.
    db = new RocksDB(path, { writeBufferSize: tuning.writeBufferSize ?? DEFAULT_WRITE_BUFFER_SIZE })
    await db.ready()
    return db
  } catch (err) {
    if (db) await db.close().catch(() => undefined)
    throw openErrorFor(path, err)
  }
}

/** The schema string an entity's stored state must match (its key type and indexes). */
export function schemaOf(spec: StoreEntitySpec): string {
  return JSON.stringify({ pk: spec.pkType, indexes: spec.indexes.map((i) => [i.name, i.type, i.unique === true]) })
}

/** The entity's runtime as stored (a clean one if it was never stored). */
export async function loadEntityRuntime(db: RocksDB, spec: StoreEntitySpec): Promise<EntityRuntime> {
  const raw = await db.get(metaKey('state', spec.name))
  const state: EntityState = raw ? (JSON.parse(Buffer.from(raw).toString('utf8')) as EntityState) : cleanState(schemaOf(spec))
  const rawCounts = await db.get(metaKey('counts', spec.name))
  const counts: EntityCounts = rawCounts ? (JSON.parse(Buffer.from(rawCounts).toString('utf8')) as EntityCounts) : { live: 0, entries: {} }
  const rt: EntityRuntime = {
    spec,
    reversePrefix: reversePrefix(spec.name),
    indexPrefixes: spec.indexes.map((i) => indexPrefix(spec.name, i.name)),
    uniquePrefixes: spec.indexes.map((i) => (i.unique === true ? uniquePrefix(spec.name, i.name) : undefined)),
    state,
    counts,
    lastRecord: null,
  }
  const range = entityReverseRange(spec.name)
  for await (const e of db.iterator({ ...range, reverse: true, limit: 1 }, { values: false })) rt.lastRecord = Buffer.from(e.key)
  return rt
}
