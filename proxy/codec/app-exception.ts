// TApplicationException as a struct: {1: string message, 2: i32 type} (thrift-rpc.md), the
// body of a message of type EXCEPTION. Type codes: TApplicationExceptionType in types.ts.

import { ByteWriter } from './byte-writer.js'
import { TType, type Protocol, type TApplicationExceptionType } from './types.js'
import { encodeStruct, readStruct } from './value-codec.js'
import { tv } from './value.js'

/** The exception struct only (the caller writes the envelope around it). */
export function encodeApplicationException(protocol: Protocol, message: string, type: TApplicationExceptionType): Buffer {
  const w = new ByteWriter(Buffer.byteLength(message) + 16)
  encodeStruct(w, tv.struct([tv.field(1, tv.string(message)), tv.field(2, tv.i32(type))]), protocol)
  return w.finish()
}

/**
 * Reads the exception struct at `offset`. Like generated code, fields of an unexpected type are
 * ignored; absent fields read as '' and 0 (UNKNOWN). `type` stays a number: peers may send codes
 * beyond the ones we name.
 */
export function decodeApplicationException(buf: Buffer, offset: number, protocol: Protocol): { message: string; type: number } {
  let message = ''
  let type = 0
  for (const f of readStruct(buf, offset, protocol).value.value) {
    if (f.id === 1 && f.type === TType.STRING) message = f.value.toString('utf8')
    else if (f.id === 2 && f.type === TType.I32) type = f.value
  }
  return { message, type }
}
