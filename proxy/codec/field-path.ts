// Extracts one field by id path (e.g. [1, 2]: args field 1, then its field 2) by walking and
// skipping everything else: only the target value is decoded. As receivers keep the last of a
// repeated field id, each level is scanned to its end and the last match wins.

import { need } from './binary.js'
import { CompactType, fromCompactType, readVarint32, varintEnd, zigzagToI32 } from './compact.js'
import { checkBinaryType } from './binary.js'
import { DEFAULT_LIMITS, TType, type CodecLimits, type Protocol } from './types.js'
import type { TValue } from './value.js'
import { readValue } from './value-codec.js'
import { depthError, skipValue } from './walker.js'

interface Match {
  type: TType
  pos: number
  /** Compact bool fields carry the value in the header. */
  bool: boolean | undefined
}

/** Scans one struct level; returns the last field with `id`, and the offset after the STOP. */
function scan(buf: Buffer, pos: number, protocol: Protocol, id: number, maxDepth: number): Match | undefined {
  const end = buf.length
  let found: Match | undefined
  let lastId = 0
  for (;;) {
    need(pos, 1, end, 'field header')
    const h = buf[pos] as number
    if (h === 0) return found
    let type: TType
    let fid: number
    let bool: boolean | undefined
    if (protocol === 'binary') {
      need(pos, 3, end, 'field header')
      type = checkBinaryType(h, pos, 'field')
      fid = buf.readInt16BE(pos + 1)
      pos += 3
    } else {
      const ct = h & 0x0f
      const delta = h >>> 4
      if (delta === 0) {
        fid = (zigzagToI32(readVarint32(buf, pos + 1, end)) << 16) >> 16
        pos = varintEnd()
      } else {
        fid = ((lastId + delta) << 16) >> 16
        pos += 1
      }
      lastId = fid
      if (ct === CompactType.BOOLEAN_TRUE || ct === CompactType.BOOLEAN_FALSE) bool = ct === CompactType.BOOLEAN_TRUE
      type = fromCompactType(ct, pos, 'field')
    }
    if (fid === id) found = { type, pos, bool }
    if (bool === undefined) pos = skipValue(buf, pos, type, protocol, maxDepth)
  }
}

/**
 * The value at `path` inside the struct at `structOffset`, or undefined when a field on the
 * path is absent or a non-final step is not a struct. Bad bytes on the way throw CodecError.
 */
export function extractField(
  buf: Buffer,
  structOffset: number,
  protocol: Protocol,
  path: readonly number[],
  limits?: Partial<CodecLimits>,
): TValue | undefined {
  const maxDepth = limits?.maxDepth ?? DEFAULT_LIMITS.maxDepth
  let pos = structOffset
  for (let level = 0; level < path.length; level++) {
    // The struct scanned here is at depth level + 1; what is skipped inside it counts from there.
    if (level + 1 > maxDepth) throw depthError(maxDepth, pos)
    const m = scan(buf, pos, protocol, path[level] as number, maxDepth - (level + 1))
    if (m === undefined) return undefined
    if (level === path.length - 1) {
      if (m.bool !== undefined) return { type: TType.BOOL, value: m.bool }
      return readValue(buf, m.pos, m.type, protocol, { maxDepth: maxDepth - (level + 1) }).value
    }
    if (m.type !== TType.STRUCT) return undefined
    pos = m.pos
  }
  return undefined
}
