// Whether a field of an entity, as it sits on the wire (binary protocol), holds the value of an
// encoded key component: the check every answer from the index makes (the entity is the judge),
// done on the bytes without decoding the field or encoding it again. A range answer checks two
// fields of every entity it returns, so this runs thousands of times per call.
//
// Integer components are the big-endian value with the sign bit flipped (key-encoding.ts), so they
// match the wire bytes but for that bit; string and binary components are the bytes with 00
// escaped and a terminator; other types (bool, double, uuid) take the decode-and-encode path.

import { TType, readValue } from '../codec/index.js'
import type { KeyType } from './key-encoding.js'
import { encodeValue } from './values.js'

/** Integer key types: their wire type and width (their key component has the same width). */
export const INT_KEY_WIRE: Partial<Record<KeyType, { readonly ttype: TType; readonly width: number }>> = {
  i8: { ttype: TType.I8, width: 1 },
  i16: { ttype: TType.I16, width: 2 },
  i32: { ttype: TType.I32, width: 4 },
  i64: { ttype: TType.I64, width: 8 },
}

/**
 * True when the binary-encoded value of wire type `ttype` at `pos` in `buf` equals `component`
 * (an encoded key component of `type`). False on a type mismatch or bytes that run past the end.
 */
export function wireMatches(buf: Buffer, pos: number, ttype: number, type: KeyType, component: Buffer): boolean {
  const int = INT_KEY_WIRE[type]
  if (int !== undefined) {
    if (ttype !== int.ttype || component.length !== int.width || pos + int.width > buf.length) return false
    if ((buf[pos]! ^ 0x80) !== component[0]) return false
    for (let i = 1; i < int.width; i++) if (buf[pos + i] !== component[i]) return false
    return true
  }
  if (type === 'string' || type === 'binary') {
    if (ttype !== TType.STRING || pos + 4 > buf.length) return false
    const len = buf.readInt32BE(pos)
    const start = pos + 4
    if (len < 0 || start + len > buf.length) return false
    // Walk the component, unescaping, against the raw bytes.
    let c = 0
    for (let i = 0; i < len; i++) {
      const b = buf[start + i]!
      if (component[c] !== b) return false
      c += b === 0 ? 2 : 1 // 00 is stored as 00 FF
      if (b === 0 && component[c - 1] !== 0xff) return false
    }
    return c + 2 === component.length && component[c] === 0x00 && component[c + 1] === 0x01
  }
  try {
    const v = readValue(buf, pos, ttype as TType, 'binary').value
    const enc = encodeValue(type, v)
    return enc !== undefined && enc.equals(component)
  } catch {
    return false
  }
}
