// Order-preserving key encoding: for every indexable Thrift type, comparing the encoded bytes
// (memcmp, which is RocksDB's default comparator) gives the same answer as comparing the values.
// Each component is self-delimiting, so a tuple (entity, index, value, primary key) encodes as the
// concatenation of its components and still sorts component by component.
//
//   bool            1 byte, 0 or 1
//   i8/i16/i32/i64  big-endian two's complement with the sign bit flipped (so -1 < 0 < 1 bytewise)
//   double          IEEE-754 bits big-endian; positive: sign bit set; negative: all bits inverted.
//                   -0 is stored as +0 (they are equal) and every NaN as one NaN above +Infinity.
//   string          UTF-8 bytes (byte order = code point order), 0x00 escaped as 00 FF, then 00 01
//   binary          raw bytes, escaped and terminated like strings
//   uuid            16 raw bytes (fixed width, compared bytewise like Thrift's canonical form)

import { IndexError, IndexErrorCode } from './errors.js'

export const KEY_TYPES = ['bool', 'i8', 'i16', 'i32', 'i64', 'double', 'string', 'binary', 'uuid'] as const
export type KeyType = (typeof KEY_TYPES)[number]

/** A JS value of a key type: numbers for bool..i32 and double, bigint for i64, strings, bytes. */
export type KeyValue = boolean | number | bigint | string | Uint8Array

const ESC = 0x00
const ESC_ZERO = 0xff
const TERM = 0x01
const SIGN64 = 1n << 63n

/** Appends key components to one growing buffer; `finish()` returns an exact-size copy. */
export class KeyWriter {
  private buf: Buffer
  private len = 0

  constructor(initial = 64) {
    this.buf = Buffer.allocUnsafe(initial)
  }

  get length(): number {
    return this.len
  }

  reset(): this {
    this.len = 0
    return this
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.len + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
  }

  bool(v: boolean): this {
    this.ensure(1)
    this.buf[this.len++] = v ? 1 : 0
    return this
  }

  i8(v: number): this {
    this.ensure(1)
    this.buf[this.len++] = (v & 0xff) ^ 0x80
    return this
  }

  i16(v: number): this {
    this.ensure(2)
    this.buf.writeUInt16BE((v & 0xffff) ^ 0x8000, this.len)
    this.len += 2
    return this
  }

  i32(v: number): this {
    this.ensure(4)
    this.buf.writeUInt32BE(((v ^ 0x80000000) >>> 0), this.len)
    this.len += 4
    return this
  }

  i64(v: bigint): this {
    this.ensure(8)
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v) ^ SIGN64, this.len)
    this.len += 8
    return this
  }

  double(v: number): this {
    this.ensure(8)
    // Canonical forms first: -0 === 0 and NaN has many bit patterns.
    const d = Number.isNaN(v) ? NaN : v === 0 ? 0 : v
    this.buf.writeDoubleBE(d, this.len)
    const hi = this.buf[this.len]!
    if (hi & 0x80) {
      for (let i = 0; i < 8; i++) this.buf[this.len + i] = ~this.buf[this.len + i]! & 0xff
    } else {
      this.buf[this.len] = hi | 0x80
    }
    this.len += 8
    return this
  }

  string(v: string): this {
    return this.bytes(Buffer.from(v, 'utf8'))
  }

  /** Escaped, terminated bytes: 00 -> 00 FF, end -> 00 01 (a prefix sorts before its extensions). */
  bytes(v: Uint8Array): this {
    this.ensure(v.length * 2 + 2)
    const b = this.buf
    let n = this.len
    for (let i = 0; i < v.length; i++) {
      const c = v[i]!
      if (c === ESC) {
        b[n++] = ESC
        b[n++] = ESC_ZERO
      } else b[n++] = c
    }
    b[n++] = ESC
    b[n++] = TERM
    this.len = n
    return this
  }

  uuid(v: Uint8Array): this {
    if (v.length !== 16) throw new IndexError(IndexErrorCode.UNINDEXABLE, `a uuid is 16 bytes, got ${v.length}`)
    return this.raw(v)
  }

  /** Bytes that are already an encoded component (or a whole encoded key). */
  raw(v: Uint8Array): this {
    this.ensure(v.length)
    this.buf.set(v, this.len)
    this.len += v.length
    return this
  }

  value(type: KeyType, v: KeyValue): this {
    switch (type) {
      case 'bool':
        return this.bool(v === true || v === 1)
      case 'i8':
        return this.i8(num(type, v))
      case 'i16':
        return this.i16(num(type, v))
      case 'i32':
        return this.i32(num(type, v))
      case 'i64':
        return this.i64(typeof v === 'bigint' ? v : BigInt(num(type, v)))
      case 'double':
        return this.double(num(type, v))
      case 'string':
        if (typeof v === 'string') return this.string(v)
        if (v instanceof Uint8Array) return this.bytes(v)
        break
      case 'binary':
        if (v instanceof Uint8Array) return this.bytes(v)
        if (typeof v === 'string') return this.string(v)
        break
      case 'uuid':
        if (v instanceof Uint8Array) return this.uuid(v)
        break
    }
    throw new IndexError(IndexErrorCode.UNINDEXABLE, `cannot encode ${describe(v)} as ${type}`)
  }

  /** A copy of the bytes written so far (the writer may be reused afterwards). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len))
  }
}

function num(type: KeyType, v: KeyValue): number {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'boolean') return v ? 1 : 0
  throw new IndexError(IndexErrorCode.UNINDEXABLE, `cannot encode ${describe(v)} as ${type}`)
}

function describe(v: unknown): string {
  return v instanceof Uint8Array ? `${v.length} bytes` : `${typeof v} ${String(v)}`
}

/** Reads components back in the order they were written. */
export class KeyReader {
  pos: number

  constructor(
    readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start
  }

  get done(): boolean {
    return this.pos >= this.buf.length
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new IndexError(IndexErrorCode.BAD_RECORD, `key ends early: need ${n} bytes at ${this.pos} of ${this.buf.length}`)
    }
  }

  bool(): boolean {
    this.need(1)
    return this.buf[this.pos++] !== 0
  }

  i8(): number {
    this.need(1)
    return ((this.buf[this.pos++]! ^ 0x80) << 24) >> 24
  }

  i16(): number {
    this.need(2)
    const v = this.buf.readUInt16BE(this.pos) ^ 0x8000
    this.pos += 2
    return (v << 16) >> 16
  }

  i32(): number {
    this.need(4)
    const v = (this.buf.readUInt32BE(this.pos) ^ 0x80000000) | 0
    this.pos += 4
    return v
  }

  i64(): bigint {
    this.need(8)
    const v = BigInt.asIntN(64, this.buf.readBigUInt64BE(this.pos) ^ SIGN64)
    this.pos += 8
    return v
  }

  double(): number {
    this.need(8)
    const tmp = Buffer.from(this.buf.subarray(this.pos, this.pos + 8))
    if (tmp[0]! & 0x80) tmp[0] = tmp[0]! & 0x7f
    else for (let i = 0; i < 8; i++) tmp[i] = ~tmp[i]! & 0xff
    this.pos += 8
    return tmp.readDoubleBE(0)
  }

  bytes(): Buffer {
    const out: number[] = []
    for (;;) {
      this.need(1)
      const c = this.buf[this.pos++]!
      if (c !== ESC) {
        out.push(c)
        continue
      }
      this.need(1)
      const next = this.buf[this.pos++]!
      if (next === TERM) return Buffer.from(out)
      if (next !== ESC_ZERO) throw new IndexError(IndexErrorCode.BAD_RECORD, `bad escape 00 ${next.toString(16)} in key`)
      out.push(0)
    }
  }

  string(): string {
    return this.bytes().toString('utf8')
  }

  uuid(): Buffer {
    this.need(16)
    const v = Buffer.from(this.buf.subarray(this.pos, this.pos + 16))
    this.pos += 16
    return v
  }

  /** Skips one component of the given type without building it; returns its end offset. */
  skip(type: KeyType): number {
    switch (type) {
      case 'bool':
      case 'i8':
        this.need(1)
        this.pos += 1
        break
      case 'i16':
        this.need(2)
        this.pos += 2
        break
      case 'i32':
        this.need(4)
        this.pos += 4
        break
      case 'i64':
      case 'double':
        this.need(8)
        this.pos += 8
        break
      case 'uuid':
        this.need(16)
        this.pos += 16
        break
      case 'string':
      case 'binary': {
        for (;;) {
          this.need(2)
          const i = this.buf.indexOf(ESC, this.pos)
          if (i < 0 || i + 1 >= this.buf.length) throw new IndexError(IndexErrorCode.BAD_RECORD, 'unterminated key component')
          this.pos = i + 2
          if (this.buf[i + 1] === TERM) break
        }
        break
      }
    }
    return this.pos
  }

  value(type: KeyType): KeyValue {
    switch (type) {
      case 'bool':
        return this.bool()
      case 'i8':
        return this.i8()
      case 'i16':
        return this.i16()
      case 'i32':
        return this.i32()
      case 'i64':
        return this.i64()
      case 'double':
        return this.double()
      case 'string':
        return this.string()
      case 'binary':
        return this.bytes()
      case 'uuid':
        return this.uuid()
    }
  }
}

/** One value as a standalone key component. */
export function encodeKey(type: KeyType, v: KeyValue): Buffer {
  return new KeyWriter(16).value(type, v).finish()
}

export function decodeKey(type: KeyType, b: Buffer): KeyValue {
  return new KeyReader(b).value(type)
}

/**
 * The first key after every key that starts with `prefix` (exclusive upper bound of a prefix scan);
 * undefined when no such key exists (prefix all 0xFF).
 */
export function prefixEnd(prefix: Uint8Array): Buffer | undefined {
  const out = Buffer.from(prefix)
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i]!++
      return out.subarray(0, i + 1)
    }
  }
  return undefined
}
