// Versions order every change to an entity's index record. They have the shape of Redis Stream IDs
// (milliseconds, sequence) so that, with replication, a change's version IS its stream ID and every
// sidecar orders changes identically; alone, a sidecar issues them from a local clock of the same shape.
//
// Rules (see docs/indexes.md, "Ordering"): a write applies if its version is newer than the record's;
// an observation (a read reply, a backfill page) carries the version current when the call was SENT and
// applies only if no newer write has been applied since, so a slow read never overwrites a newer write.

import { IndexError, IndexErrorCode } from './errors.js'

/** 16 bytes: u64 ms, u64 seq, big-endian, so Buffer.compare orders versions. */
export type Version = Buffer

export const VERSION_BYTES = 16
export const ZERO_VERSION: Version = Buffer.alloc(VERSION_BYTES)

export function makeVersion(ms: bigint, seq: bigint): Version {
  const b = Buffer.allocUnsafe(VERSION_BYTES)
  b.writeBigUInt64BE(ms, 0)
  b.writeBigUInt64BE(seq, 8)
  return b
}

/** Parses a Redis Stream ID "ms-seq". */
export function versionFromStreamId(id: string): Version {
  const m = /^(\d+)-(\d+)$/.exec(id)
  if (!m) throw new IndexError(IndexErrorCode.REPLICATION, `not a stream ID: ${JSON.stringify(id)}`)
  return makeVersion(BigInt(m[1]!), BigInt(m[2]!))
}

export function streamIdOf(v: Version): string {
  return `${v.readBigUInt64BE(0)}-${v.readBigUInt64BE(8)}`
}

export function versionMs(v: Version): number {
  return Number(v.readBigUInt64BE(0))
}

export function maxVersion(a: Version, b: Version): Version {
  return Buffer.compare(a, b) >= 0 ? a : b
}

/**
 * The newest version this sidecar knows to have been issued. Alone it also issues versions, the way
 * Redis issues stream IDs: (max(now, last.ms), seq+1 within the same ms), so they never go backwards
 * even if the wall clock does.
 */
export class VersionClock {
  private last: Version

  constructor(start: Version = ZERO_VERSION) {
    this.last = start
  }

  /** The newest version seen or issued: what an observation sent now is "as of". */
  get current(): Version {
    return this.last
  }

  /** Notes a version issued elsewhere (a stream entry, an XADD reply). */
  observe(v: Version): void {
    if (Buffer.compare(v, this.last) > 0) this.last = v
  }

  next(now = Date.now()): Version {
    const lastMs = this.last.readBigUInt64BE(0)
    const ms = BigInt(now)
    this.last = ms > lastMs ? makeVersion(ms, 0n) : makeVersion(lastMs, this.last.readBigUInt64BE(8) + 1n)
    return this.last
  }
}
