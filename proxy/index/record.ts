// The reverse record of one entity: primary key -> the version of the last change applied and the
// encoded value of each index (in the entity's configured index order). It is what lets an update
// delete the entity's old index entries in the same write batch that adds the new ones, and what
// lets a slow read or a backfill page see that a newer write already happened.
//
//   u8 flags (bit 0: deleted) | 16 bytes version | u8 count | count x (u8 present [u16 len, bytes])

import { IndexError, IndexErrorCode } from './errors.js'
import { VERSION_BYTES, type Version } from './version.js'

export interface ReverseRecord {
  readonly version: Version
  /** A tombstone: the entity is known deleted as of `version`. */
  readonly deleted: boolean
  /** Encoded value per index; null when the field is unset (no entry). Empty for tombstones. */
  readonly values: readonly (Buffer | null)[]
}

const FLAG_DELETED = 1

export function encodeRecord(r: ReverseRecord): Buffer {
  let size = 1 + VERSION_BYTES + 1
  for (const v of r.values) size += v ? 3 + v.length : 1
  const b = Buffer.allocUnsafe(size)
  b[0] = r.deleted ? FLAG_DELETED : 0
  r.version.copy(b, 1)
  let p = 1 + VERSION_BYTES
  b[p++] = r.values.length
  for (const v of r.values) {
    if (!v) {
      b[p++] = 0
      continue
    }
    b[p++] = 1
    b.writeUInt16BE(v.length, p)
    p += 2
    v.copy(b, p)
    p += v.length
  }
  return b
}

export function decodeRecord(b: Buffer): ReverseRecord {
  const bad = (why: string): IndexError => new IndexError(IndexErrorCode.BAD_RECORD, `bad reverse record: ${why}`)
  if (b.length < 2 + VERSION_BYTES) throw bad(`${b.length} bytes`)
  const deleted = (b[0]! & FLAG_DELETED) !== 0
  const version = Buffer.from(b.subarray(1, 1 + VERSION_BYTES))
  let p = 1 + VERSION_BYTES
  const n = b[p++]!
  const values: (Buffer | null)[] = []
  for (let i = 0; i < n; i++) {
    if (p >= b.length) throw bad('truncated')
    if (b[p++] === 0) {
      values.push(null)
      continue
    }
    if (p + 2 > b.length) throw bad('truncated length')
    const len = b.readUInt16BE(p)
    p += 2
    if (p + len > b.length) throw bad('truncated value')
    values.push(Buffer.from(b.subarray(p, p + len)))
    p += len
  }
  return { version, deleted, values }
}

/** Whether `r` is a live record holding exactly `values`. */
export function sameValues(r: ReverseRecord | undefined, values: readonly (Buffer | null)[]): boolean {
  if (r === undefined || r.deleted || r.values.length !== values.length) return false
  return r.values.every((v, i) => {
    const w = values[i] ?? null
    return v === null ? w === null : w !== null && v.equals(w)
  })
}
