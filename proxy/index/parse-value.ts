// Values typed on a command line or in an admin URL (`index get --entity User --index email a@x`),
// turned into the Thrift value of the index's key type.
import { tv, type TValue } from '../codec/index.js'
import { IndexError, IndexErrorCode } from './errors.js'
import type { KeyType } from './key-encoding.js'

export function parseKeyValue(type: KeyType, text: string): TValue {
  const bad = (): never => {
    throw new IndexError(IndexErrorCode.CONFIG, `"${text}" is not a valid ${type}`)
  }
  const int = (min: number, max: number): number => {
    if (!/^-?\d+$/.test(text.trim())) bad()
    const n = Number(text)
    return n < min || n > max ? bad() : n
  }
  switch (type) {
    case 'bool':
      return text === 'true' ? tv.bool(true) : text === 'false' ? tv.bool(false) : bad()
    case 'i8':
      return tv.i8(int(-128, 127))
    case 'i16':
      return tv.i16(int(-32768, 32767))
    case 'i32':
      return tv.i32(int(-2147483648, 2147483647))
    case 'i64': {
      if (!/^-?\d+$/.test(text.trim())) bad()
      const v = BigInt(text)
      return v < -(1n << 63n) || v >= 1n << 63n ? bad() : tv.i64(v)
    }
    case 'double': {
      const n = Number(text)
      return Number.isNaN(n) && text !== 'NaN' ? bad() : tv.double(n)
    }
    case 'string':
      return tv.string(text)
    case 'binary':
      return tv.binary(Buffer.from(text, 'hex'))
    case 'uuid': {
      const b = Buffer.from(text.replace(/-/g, ''), 'hex')
      return b.length === 16 ? tv.uuid(b) : bad()
    }
  }
}

/** A value for JSON output (stats, admin): bigint as a string, bytes as UTF-8 when printable. */
export function showValue(v: TValue): string | number | boolean {
  switch (v.type) {
    case 11: {
      const s = v.value.toString('utf8')
      return Buffer.from(s, 'utf8').equals(v.value) ? s : `0x${v.value.toString('hex')}`
    }
    case 10:
      return v.value.toString()
    case 16:
      return v.value.toString('hex')
    case 2:
    case 3:
    case 4:
    case 6:
    case 8:
      return v.value
    default:
      return `(${v.type})`
  }
}
