// One replication stream entry. Fields: 'c' the entity changes one write produced, without their
// version (the entry's stream ID is the version, the same on every sidecar); 'r' an entity every
// sidecar must drop authority for; 's' when the write was sent (ms, decimal) and 'o' which sidecar
// published it (write-overlap.ts). Readers ignore fields they do not know, so older sidecars read
// newer entries, and entries without 's'/'o' (older publishers) are read as "sent: unknown".
//
// The bytes of 'c':
//   u8 count | count x (u16 entityLen, entity utf8 | u16 pkLen, pk | u8 deleted | u8 n | n x (u8 present [u16 len, bytes]))

import { IndexError, IndexErrorCode } from './errors.js'

export interface ReplicatedChange {
  readonly entity: string
  readonly pk: Buffer
  readonly values: readonly (Buffer | null)[] | null
}

export function encodeChanges(changes: readonly ReplicatedChange[]): Buffer {
  const parts: Buffer[] = [Buffer.from([changes.length])]
  for (const c of changes) {
    const ent = Buffer.from(c.entity, 'utf8')
    const head = Buffer.allocUnsafe(2 + ent.length + 2)
    head.writeUInt16BE(ent.length, 0)
    ent.copy(head, 2)
    head.writeUInt16BE(c.pk.length, 2 + ent.length)
    parts.push(head, c.pk, Buffer.from([c.values === null ? 1 : 0, c.values?.length ?? 0]))
    for (const v of c.values ?? []) {
      if (!v) {
        parts.push(Buffer.from([0]))
        continue
      }
      const h = Buffer.allocUnsafe(3)
      h[0] = 1
      h.writeUInt16BE(v.length, 1)
      parts.push(h, v)
    }
  }
  return Buffer.concat(parts)
}

export function decodeChanges(b: Buffer): ReplicatedChange[] {
  let p = 0
  const need = (n: number): void => {
    if (p + n > b.length) throw new IndexError(IndexErrorCode.BAD_RECORD, `replication entry truncated at ${p}`)
  }
  const take = (n: number): Buffer => {
    need(n)
    const v = Buffer.from(b.subarray(p, p + n))
    p += n
    return v
  }
  const u8 = (): number => take(1)[0]!
  const u16 = (): number => take(2).readUInt16BE(0)
  const out: ReplicatedChange[] = []
  for (let count = u8(), i = 0; i < count; i++) {
    const entity = take(u16()).toString('utf8')
    const pk = take(u16())
    const deleted = u8() === 1
    const n = u8()
    const values: (Buffer | null)[] = []
    for (let j = 0; j < n; j++) values.push(u8() === 1 ? take(u16()) : null)
    out.push({ entity, pk, values: deleted ? null : values })
  }
  return out
}

export interface StreamEntry {
  readonly changes: readonly ReplicatedChange[]
  readonly resets: readonly string[]
  readonly sentMs: number | undefined
  readonly origin: string | undefined
}

/** The fields of one entry as XADD takes them (after the ID). */
export function entryFields(changes: readonly ReplicatedChange[], origin: string, sentMs: number | undefined): (string | Buffer)[] {
  const out: (string | Buffer)[] = ['c', encodeChanges(changes), 'o', origin]
  if (sentMs !== undefined) out.push('s', String(sentMs))
  return out
}

/** An entry's fields as XREAD returns them (name, value, ...). */
export function readEntry(fields: readonly Buffer[]): StreamEntry {
  const changes: ReplicatedChange[] = []
  const resets: string[] = []
  let sentMs: number | undefined
  let origin: string | undefined
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const f = fields[i]!.toString('latin1')
    const v = fields[i + 1]!
    if (f === 'c') changes.push(...decodeChanges(v))
    else if (f === 'r') resets.push(v.toString('utf8'))
    else if (f === 's') sentMs = Number(v.toString('latin1'))
    else if (f === 'o') origin = v.toString('latin1')
  }
  return { changes, resets, sentMs: Number.isFinite(sentMs) ? sentMs : undefined, origin }
}
