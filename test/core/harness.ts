// Shared pieces of the proxy core tests: a proxy in front of an upstream, outcomes normalised so
// answers through the proxy compare with answers direct, and hand-built Thrift bytes for raw tests.
import { ThriftProxy, type ProxyOptions } from '../../proxy/core/index.js'
import {
  encodeMessage,
  MessageSplitter,
  MessageType,
  dialectOf,
  type Dialect,
  type Message,
} from '../../proxy/codec/index.js'
import { withTimeout } from '../support/net.js'
import type { RawConnection } from '../support/raw-tcp.js'

export interface RunningProxy {
  readonly proxy: ThriftProxy
  readonly port: number
  close(): Promise<void>
}

export async function startProxy(upstreamPort: number, opts: Partial<ProxyOptions> = {}): Promise<RunningProxy> {
  const proxy = new ThriftProxy({ upstream: { host: '127.0.0.1', port: upstreamPort }, ...opts })
  const { port } = await proxy.start()
  return {
    proxy,
    port,
    close: async () => {
      proxy.destroy()
    },
  }
}

/** What a call came to, comparable with deepStrictEqual whichever path it took. */
export type Outcome = { ok: unknown } | { error: Record<string, unknown> }

export async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await withTimeout(p, 5000, 'call') }
  } catch (e) {
    const err = e as Error & Record<string, unknown>
    const fields: Record<string, unknown> = { class: err.constructor?.name, message: err.message }
    for (const k of Object.keys(err)) if (k !== 'stack') fields[k] = err[k]
    return { error: fields }
  }
}

/** A TApplicationException as the thrift library raises it: { type, message }. */
export function appError(o: Outcome): { type: number; message: string } | undefined {
  if (!('error' in o) || o.error.class !== 'TApplicationException') return undefined
  return { type: o.error.type as number, message: o.error.message as string }
}

export const FRAMED_BINARY: Dialect = dialectOf('framed', 'binary', true)
export const UNFRAMED_BINARY: Dialect = dialectOf('unframed', 'binary', true)

/** Binary-protocol args struct of add(1: i32 a, 2: i32 b). */
export function addArgs(a: number, b: number): Buffer {
  const buf = Buffer.alloc(15)
  buf.writeUInt8(8, 0) // I32
  buf.writeInt16BE(1, 1)
  buf.writeInt32BE(a, 3)
  buf.writeUInt8(8, 7)
  buf.writeInt16BE(2, 8)
  buf.writeInt32BE(b, 10)
  buf.writeUInt8(0, 14) // STOP
  return buf
}

/** Binary-protocol args struct of slow(1: i32 ms, 2: string tag). */
export function slowArgs(ms: number, tag: string): Buffer {
  const t = Buffer.from(tag)
  const buf = Buffer.alloc(8 + 7 + t.length + 1)
  let o = buf.writeUInt8(8, 0)
  o = buf.writeInt16BE(1, o)
  o = buf.writeInt32BE(ms, o)
  o = buf.writeUInt8(11, o)
  o = buf.writeInt16BE(2, o)
  o = buf.writeInt32BE(t.length, o)
  o += t.copy(buf, o)
  buf.writeUInt8(0, o)
  return buf
}

/** One whole call in a dialect (binary body), as bytes. */
export function callBytes(d: Dialect, name: string, seqid: number, body: Buffer, type: MessageType = MessageType.CALL): Buffer {
  return Buffer.concat(encodeMessage(d, undefined, { name, type, seqid }, body, 'binary'))
}

/** Complete messages from a raw connection, in order, whatever the TCP chunking. */
export class MessageReader {
  private readonly splitter: MessageSplitter
  private readonly queue: Message[] = []

  constructor(
    private readonly conn: RawConnection,
    d: Dialect,
  ) {
    this.splitter = new MessageSplitter({ transport: d.transport, protocol: d.protocol })
  }

  async next(timeoutMs = 5000): Promise<Message> {
    while (this.queue.length === 0) {
      const chunk = await this.conn.readUntil((b) => b.length > 0, timeoutMs)
      this.splitter.push(Buffer.from(chunk), (m) => this.queue.push(m))
    }
    return this.queue.shift() as Message
  }

  async take(n: number, timeoutMs = 5000): Promise<Message[]> {
    const out: Message[] = []
    while (out.length < n) out.push(await this.next(timeoutMs))
    return out
  }
}

/** A binary result struct's i32 success (field 0), or undefined. */
export function i32Success(m: Message): number | undefined {
  const p = m.payload
  const at = m.bodyOffset
  if (p[at] === 8 && p.readInt16BE(at + 1) === 0) return p.readInt32BE(at + 3)
  return undefined
}

/** A binary result struct's string success (field 0), or undefined. */
export function stringSuccess(m: Message): string | undefined {
  const p = m.payload
  const at = m.bodyOffset
  if (p[at] === 11 && p.readInt16BE(at + 1) === 0) {
    const len = p.readInt32BE(at + 3)
    return p.toString('utf8', at + 7, at + 7 + len)
  }
  return undefined
}

/** A binary TApplicationException {1: string message, 2: i32 type} from an EXCEPTION message. */
export function binaryAppException(m: Message): { message: string; type: number } {
  const p = m.payload
  let at = m.bodyOffset
  let message = ''
  let type = 0
  for (;;) {
    const t = p[at] as number
    if (t === 0) break
    const id = p.readInt16BE(at + 1)
    at += 3
    if (t === 11) {
      const len = p.readInt32BE(at)
      if (id === 1) message = p.toString('utf8', at + 4, at + 4 + len)
      at += 4 + len
    } else if (t === 8) {
      if (id === 2) type = p.readInt32BE(at)
      at += 4
    } else throw new Error(`unexpected field type ${t}`)
  }
  return { message, type }
}
