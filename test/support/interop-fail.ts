// Interop.fail(kind) with real TApplicationException types (see processFail below).
import type { CallLog } from './call-log.js'
import type { InteropHandler } from './interop-server.js'
import { thriftLib } from './thrift-lib.js'

/** Minimal protocol surface used to read fail's args and write its answer. */
interface Proto {
  readStructBegin(): void
  readFieldBegin(): { ftype: number; fid: number }
  readI32(): number
  skip(t: number): void
  readFieldEnd(): void
  readStructEnd(): void
  readMessageEnd(): void
  writeMessageBegin(name: string, type: number, seqid: number): void
  writeStructBegin(name: string): void
  writeFieldStop(): void
  writeStructEnd(): void
  writeMessageEnd(): void
  flush(): void
}

/**
 * fail() replaces the generated process_fail because the generated callback path turns every
 * undeclared error into TApplicationException UNKNOWN; tests need other types (INTERNAL_ERROR…).
 * Reading `{1: i32 kind}` and writing the reply still go through the library's protocol code.
 */
export function processFail(impl: InteropHandler, calls: CallLog) {
  const lib = thriftLib()
  return (seqid: number, input: Proto, output: Proto): void => {
    let kind = 0
    input.readStructBegin()
    for (;;) {
      const f = input.readFieldBegin()
      if (f.ftype === 0) break
      if (f.fid === 1 && f.ftype === 8) kind = input.readI32()
      else input.skip(f.ftype)
      input.readFieldEnd()
    }
    input.readStructEnd()
    input.readMessageEnd()
    calls.record({ service: 'Interop', method: 'fail', args: [kind] })
    // Thrown out of process(): the library server (and ours) ends the connection without a reply.
    if (kind < 0) throw new Error(`fail(${kind}): dropping the connection`)
    const answer = (err: unknown): void => {
      if (err === null || err === undefined) {
        output.writeMessageBegin('fail', lib.Thrift.MessageType.REPLY as number, seqid)
        output.writeStructBegin('fail_result')
        output.writeFieldStop()
        output.writeStructEnd()
      } else {
        const x =
          err instanceof lib.Thrift.TApplicationException
            ? err
            : new lib.Thrift.TApplicationException(0, err instanceof Error ? err.message : String(err))
        // The library's TApplicationException.write emits field 2 (type) from `.code`, not `.type`.
        const wx = x as unknown as { type: number; code?: number; write(o: Proto): void }
        wx.code = wx.type
        output.writeMessageBegin('fail', lib.Thrift.MessageType.EXCEPTION as number, seqid)
        wx.write(output)
      }
      output.writeMessageEnd()
      output.flush()
    }
    let r: unknown
    try {
      r = impl.fail(kind)
    } catch (err) {
      answer(err)
      return
    }
    if (r instanceof Promise) r.then(() => answer(null), (err: unknown) => answer(err ?? new Error('rejected')))
    else answer(null)
  }
}
