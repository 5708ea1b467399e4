// Finds where an unframed (buffered-transport) message ends. There is no length on the wire
// (thrift TBufferedTransport), so the only way is to walk the envelope and the body struct.
// The walk is resumable: fed chunk after chunk, it keeps an explicit stack instead of
// recursion, consumes a multi-byte unit (an i32, a varint) byte by byte only when the unit
// straddles a chunk end, and counts down the bytes of a string it still has to skip. Total
// work is linear in the bytes fed, whatever the chunking.
//
// Field ids are skipped, not decoded: finding the end of a struct needs only types and sizes
// (compact's per-struct "last field id" matters for decoding ids, not for skipping).

import { CodecErrorCode } from './errors.js'
import {
  P_ENV,
  P_SKIP,
  P_NEXT,
  P_FIELD,
  P_READ_I32,
  P_READ_VARINT,
  P_SKIP_VARINT,
  P_BODY,
  P_DONE,
  P_B_ENV_FIRST,
  P_B_ENV_NAMELEN,
  P_B_STRLEN,
  P_B_LIST_TYPE,
  P_B_LIST_SIZE,
  P_B_MAP_TYPES,
  P_B_MAP_SIZE,
  P_C_ENV_TYPE,
  P_C_ENV_NAMELEN,
  P_C_STRLEN,
  P_C_LIST_HDR,
  P_C_LIST_SIZE,
  P_C_MAP_SIZE,
  P_C_MAP_TYPES,
  P_FIELD_VALUE,
  P_C_ENV_NAMELEN_VAL,
  K_STRUCT,
  K_LIST,
  K_MAP,
  COMPACT_PROTOCOL_ID,
  ScanState,
  bad,
  hex,
  length,
} from './unframed-scan-state.js'

// The byte loop; the state and the steps that set it up are in unframed-scan-state.ts.
export class UnframedScanner extends ScanState {
  /** Bytes of the current message scanned so far. */
  get scanned(): number {
    return this.consumed
  }

  /** True once a whole message has been scanned (call reset() before the next one). */
  get done(): boolean {
    return this.phase === P_DONE
  }

  /** Starts a new message. */
  reset(): void {
    this.phase = P_ENV
    this.skip = 0
    this.got = 0
    this.shift = 0
    this.depth = 0
    this.consumed = 0
  }

  /**
   * Scans `buf[start, end)` as the continuation of the current message. Returns the offset
   * just past the message's last byte if it ends inside this range, or -1 if every byte was
   * consumed and the message goes on. Throws CodecError on bytes that cannot be Thrift.
   */
  feed(buf: Buffer, start: number, end: number): number {
    let pos = start
    const base = this.consumed - start
    for (;;) {
      switch (this.phase) {
        case P_SKIP: {
          const n = Math.min(this.skip, end - pos)
          pos += n
          this.skip -= n
          if (this.skip > 0) return this.suspend(base, pos)
          this.phase = this.after
          break
        }
        case P_NEXT: {
          const top = this.depth - 1
          if (top < 0) {
            this.phase = P_DONE
            this.consumed = base + pos
            this.checkSize()
            return pos
          }
          const kind = this.kinds[top]!
          if (kind === K_STRUCT) {
            this.phase = P_FIELD
            break
          }
          const rem = this.remaining[top]!
          if (rem === 0) {
            this.depth = top
            break
          }
          this.remaining[top] = rem - 1
          // a map holds 2*size elements, key first: an even count left means a key is next
          const t = kind === K_LIST || (rem & 1) === 0 ? this.type1[top]! : this.type2[top]!
          this.beginElement(t, base + pos)
          break
        }
        case P_FIELD: {
          if (pos >= end) return this.suspend(base, pos)
          const b = buf[pos++]!
          if (b === 0) {
            this.depth--
            this.phase = P_NEXT
          } else if (!this.compact) {
            this.pendingType = b
            this.setSkip(2, P_FIELD_VALUE, base + pos) // i16 field id, then the value
          } else {
            this.pendingType = b & 0x0f
            if (b >> 4 === 0) {
              // long form: the field id follows as a zigzag varint
              this.after = P_FIELD_VALUE
              this.got = 0
              this.phase = P_SKIP_VARINT
            } else {
              this.beginFieldValue(this.pendingType, base + pos)
            }
          }
          break
        }
        case P_FIELD_VALUE:
          this.beginFieldValue(this.pendingType, base + pos)
          break
        case P_READ_I32: {
          if (this.got === 0 && end - pos >= 4) {
            this.val = buf.readInt32BE(pos)
            pos += 4
          } else {
            while (this.got < 4 && pos < end) {
              this.val = (this.val << 8) | buf[pos++]!
              this.got++
            }
            if (this.got < 4) return this.suspend(base, pos)
            this.got = 0
          }
          this.phase = this.after
          break
        }
        case P_READ_VARINT: {
          let done = false
          while (pos < end) {
            const b = buf[pos++]!
            this.val += (b & 0x7f) * 2 ** this.shift
            this.shift += 7
            if (b < 0x80) {
              done = true
              break
            }
            if (this.shift >= 35) throw bad(CodecErrorCode.INVALID_DATA, 'varint32 longer than 5 bytes')
          }
          if (!done) return this.suspend(base, pos)
          this.phase = this.after
          break
        }
        case P_SKIP_VARINT: {
          let done = false
          while (pos < end) {
            const b = buf[pos++]!
            if (b < 0x80) {
              done = true
              break
            }
            if (++this.got >= 10) throw bad(CodecErrorCode.INVALID_DATA, 'varint longer than 10 bytes')
          }
          if (!done) return this.suspend(base, pos)
          this.got = 0
          this.phase = this.after
          break
        }
        case P_ENV: {
          if (this.compact) {
            if (pos >= end) return this.suspend(base, pos)
            const b = buf[pos++]!
            if (b !== COMPACT_PROTOCOL_ID) {
              throw bad(CodecErrorCode.BAD_VERSION, `compact message starts with 0x${hex(b)}, expected 0x82`)
            }
            this.phase = P_C_ENV_TYPE
          } else {
            this.readI32(P_B_ENV_FIRST)
          }
          break
        }
        case P_B_ENV_FIRST: {
          const v = this.val
          if (v < 0) {
            // strict: version 1 in the top 16 bits, message type in the low byte
            if ((v & 0xffff0000) !== (0x80010000 | 0)) {
              throw bad(CodecErrorCode.BAD_VERSION, `bad binary protocol version 0x${hex(v >>> 0)}`)
            }
            this.readI32(P_B_ENV_NAMELEN)
          } else {
            // non-strict: i32 nameLen, name, i8 type, i32 seqid
            this.setSkip(v + 5, P_BODY, base + pos)
          }
          break
        }
        case P_B_ENV_NAMELEN:
          this.setSkip(length(this.val) + 4, P_BODY, base + pos)
          break
        case P_C_ENV_TYPE: {
          if (pos >= end) return this.suspend(base, pos)
          const b = buf[pos++]!
          if ((b & 0x1f) !== 1) throw bad(CodecErrorCode.BAD_VERSION, `bad compact protocol version ${b & 0x1f}`)
          // seqid (a plain varint), then the name length
          this.after = P_C_ENV_NAMELEN
          this.got = 0
          this.phase = P_SKIP_VARINT
          break
        }
        case P_C_ENV_NAMELEN:
          this.readVarint(P_C_ENV_NAMELEN_VAL)
          break
        case P_C_ENV_NAMELEN_VAL:
          this.setSkip(length(this.val), P_BODY, base + pos)
          break
        case P_BODY:
          this.push(K_STRUCT, 0, 0, 0)
          this.phase = P_NEXT
          break
        case P_B_STRLEN:
          this.setSkip(length(this.val), P_NEXT, base + pos)
          break
        case P_C_STRLEN:
          this.setSkip(length(this.val), P_NEXT, base + pos)
          break
        case P_B_LIST_TYPE: {
          if (pos >= end) return this.suspend(base, pos)
          this.pendingType = buf[pos++]!
          this.readI32(P_B_LIST_SIZE)
          break
        }
        case P_B_LIST_SIZE:
          this.pushContainer(K_LIST, this.size(this.val, base + pos, 1), this.pendingType, 0)
          break
        case P_B_MAP_TYPES: {
          if (this.got === 0) {
            if (pos >= end) return this.suspend(base, pos)
            this.mapKeyType = buf[pos++]!
            this.got = 1
          }
          if (pos >= end) return this.suspend(base, pos)
          this.pendingType = buf[pos++]!
          this.got = 0
          this.readI32(P_B_MAP_SIZE)
          break
        }
        case P_B_MAP_SIZE:
          this.pushContainer(K_MAP, this.size(this.val, base + pos, 2), this.mapKeyType, this.pendingType)
          break
        case P_C_LIST_HDR: {
          if (pos >= end) return this.suspend(base, pos)
          const b = buf[pos++]!
          this.pendingType = b & 0x0f
          if (b >> 4 === 15) this.readVarint(P_C_LIST_SIZE)
          else this.pushContainer(K_LIST, b >> 4, this.pendingType, 0)
          break
        }
        case P_C_LIST_SIZE:
          this.pushContainer(K_LIST, this.size(this.val, base + pos, 1), this.pendingType, 0)
          break
        case P_C_MAP_SIZE:
          if (this.val === 0) {
            this.phase = P_NEXT // an empty map is the single byte 00, no type byte
          } else {
            this.pendingSize = this.size(this.val, base + pos, 2)
            this.phase = P_C_MAP_TYPES
          }
          break
        case P_C_MAP_TYPES: {
          if (pos >= end) return this.suspend(base, pos)
          const b = buf[pos++]!
          this.pushContainer(K_MAP, this.pendingSize, b >> 4, b & 0x0f)
          break
        }
        case P_DONE:
          return pos
        default:
          throw new Error(`unframed scanner: impossible phase ${this.phase}`)
      }
    }
  }

}
