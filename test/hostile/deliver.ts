// One fuzz case against the listener over raw TCP: writes the case's bytes as planned, then checks
// what came back. The rule: everything the proxy sends is complete, well-formed Thrift REPLY or
// EXCEPTION messages; otherwise it closes the connection (or waits for more bytes of an incomplete call).
import net from 'node:net'
import { MessageSplitter, MessageType } from '../../proxy/codec/index.js'
import { buildMessage, oversizedFrame, type FuzzCase } from './mutate.js'
import type { Seed } from './seeds.js'

export interface Outcome {
  readonly connections: number
  readonly bytesSent: number
  readonly replies: number
  readonly exceptions: number
  /** Connections the proxy closed (the others we closed ourselves after the replies went quiet). */
  readonly closedByProxy: number
  /** Set when the proxy broke the rule above. */
  readonly problem: string | undefined
}

export interface DeliverOptions {
  readonly port: number
  readonly maxFrameSize: number
  /** A connection with nothing arriving for this long is done. */
  readonly quietMs: number
  /** Upper bound on one connection's life after its last write. */
  readonly maxWaitMs: number
}

/** Bytes one case may send: a few frames' worth. More adds CPU on a shared machine and no new paths. */
export const MAX_CASE_BYTES = 4 * 1024 * 1024

/** The wire bytes of a case: each planned message, repeated as planned (up to MAX_CASE_BYTES). */
export function caseBytes(seeds: readonly Seed[], c: FuzzCase, maxFrameSize: number): Buffer[] {
  if (c.oversize) return [oversizedFrame(maxFrameSize)]
  const out: Buffer[] = []
  let total = 0
  for (const m of c.messages) {
    const b = buildMessage(seeds, m)
    for (let i = 0; i < m.repeat && (i === 0 || total + b.length <= MAX_CASE_BYTES); i++) {
      out.push(b)
      total += b.length
    }
  }
  return out
}

interface Conn {
  readonly socket: net.Socket
  readonly received: Buffer[]
  closed: boolean
  /** A write waited WRITE_STALL_MS: the proxy is not reading this connection now. */
  stalled: boolean
  lastData: number
  readonly done: Promise<void>
}

function open(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const received: Buffer[] = []
    let closedResolve: () => void = () => undefined
    const conn: Conn = { socket, received, closed: false, stalled: false, lastData: Date.now(), done: new Promise<void>((r) => (closedResolve = r)) }
    socket.setNoDelay(true)
    socket.on('data', (d: Buffer) => {
      received.push(d)
      conn.lastData = Date.now()
    })
    socket.on('error', () => undefined)
    socket.once('close', () => {
      conn.closed = true
      closedResolve()
    })
    socket.setTimeout(5000, () => socket.destroy(new Error('connect timed out')))
    socket.once('connect', () => (socket.setTimeout(0), resolve(conn)))
    socket.once('error', reject)
  })
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Writes and waits until the bytes are handed to the OS, unless the socket died meanwhile. A proxy
 * that stops reading us (backpressure, a message it waits to see the end of) is allowed: after
 * WRITE_STALL_MS we go on and the connection ends like the others.
 */
const WRITE_STALL_MS = 1000
function write(c: Conn, b: Buffer): Promise<void> {
  // Once the proxy has stopped reading us, later writes would each wait the full stall time (a
  // case of 1,200 pipelined pieces would take an hour): the connection is done sending.
  if (c.closed || c.socket.destroyed || c.stalled) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      c.stalled = true
      resolve()
    }, WRITE_STALL_MS)
    c.socket.write(b, () => (clearTimeout(t), resolve()))
  })
}

function cutPoints(total: number, cuts: readonly number[]): number[] {
  return [...new Set(cuts.map((at) => at % total))].filter((p) => p > 0 && p < total).sort((a, b) => a - b)
}

/** Waits until the proxy closed the connection, or sent nothing for quietMs since our last write or its last byte. */
async function waitQuiet(c: Conn, o: DeliverOptions, lastWrite: number): Promise<void> {
  const start = Date.now()
  const since = (): number => Date.now() - Math.max(c.lastData, lastWrite)
  while (!c.closed && since() < o.quietMs && Date.now() - start < o.maxWaitMs) await Promise.race([c.done, sleep(Math.min(50, o.quietMs))])
}

function check(c: Conn): { replies: number; exceptions: number; problem: string | undefined } {
  const all = Buffer.concat(c.received)
  let replies = 0
  let exceptions = 0
  if (all.length === 0) return { replies, exceptions, problem: undefined }
  const splitter = new MessageSplitter()
  try {
    splitter.push(all, (m) => {
      if (m.type === MessageType.REPLY) replies++
      else if (m.type === MessageType.EXCEPTION) exceptions++
      else throw new Error(`the proxy sent a message of type ${m.type} (${m.name})`)
    })
  } catch (err) {
    return { replies, exceptions, problem: `bytes from the proxy do not parse as replies: ${err instanceof Error ? err.message : String(err)}; received ${all.subarray(0, 256).toString('hex')}` }
  }
  if (c.closed && splitter.bufferedBytes > 0) return { replies, exceptions, problem: `the proxy closed in the middle of a message (${splitter.bufferedBytes} bytes pending)` }
  return { replies, exceptions, problem: undefined }
}

/** Where a delivery is, for reporting one that never finishes. */
export interface Progress {
  stage: string
  /** Destroys the case's sockets (a hung case is ended this way). */
  abort(): void
}

export async function deliver(seeds: readonly Seed[], fcase: FuzzCase, o: DeliverOptions, progress?: Progress): Promise<Outcome> {
  const pieces = caseBytes(seeds, fcase, o.maxFrameSize)
  const d = fcase.delivery
  const at = (stage: string): void => {
    if (progress !== undefined) progress.stage = stage
  }
  at('connecting')
  const conns: Conn[] = [await open(o.port)]
  if (progress !== undefined) progress.abort = () => conns.forEach((c) => c.socket.destroy())
  let bytesSent = 0
  at('writing')
  if (d.mode === 'interleave') {
    conns.push(await open(o.port))
    // Messages dealt alternately to the two connections, each written in two halves, halves interleaved.
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i] ?? Buffer.alloc(0)
      const c = conns[i % 2] as Conn
      const other = conns[(i + 1) % 2] as Conn
      const half = p.length >> 1
      await write(c, p.subarray(0, half))
      if (d.delayMs > 0) await sleep(d.delayMs)
      await write(other, Buffer.alloc(0))
      await write(c, p.subarray(half))
      bytesSent += p.length
    }
  } else {
    const c = conns[0] as Conn
    const all = Buffer.concat(pieces)
    bytesSent = all.length
    if (d.mode === 'whole') await write(c, all)
    else if (d.mode === 'bytes' && all.length <= 512) {
      for (let i = 0; i < all.length && !c.closed; i++) await write(c, all.subarray(i, i + 1))
    } else {
      const cuts = d.mode === 'chunks' ? cutPoints(all.length, d.cuts) : cutPoints(all.length, [all.length >> 2, all.length >> 1, (all.length * 3) >> 2])
      let from = 0
      for (const at of [...cuts, all.length]) {
        await write(c, all.subarray(from, at))
        from = at
        if (d.mode === 'chunks' && d.delayMs > 0) await sleep(d.delayMs)
      }
    }
  }
  at(`ending (${fcase.end})`)
  if (fcase.end === 'abort') {
    for (const c of conns) c.socket.resetAndDestroy()
  } else {
    if (fcase.end === 'half-close') for (const c of conns) c.socket.end()
    const lastWrite = Date.now()
    for (const c of conns) await waitQuiet(c, o, lastWrite)
  }
  let replies = 0
  let exceptions = 0
  let closedByProxy = 0
  let problem: string | undefined
  at('checking replies')
  for (const c of conns) {
    const wasClosed = c.closed
    if (fcase.end !== 'abort') {
      const r = check(c)
      replies += r.replies
      exceptions += r.exceptions
      problem ??= r.problem
      if (wasClosed) closedByProxy++
    }
    at('closing')
    c.socket.destroy()
    // After resetAndDestroy() with megabytes still queued for a proxy that stopped reading, Node 20
    // did not always emit 'close' (a long run hung here): the socket is destroyed either way.
    await Promise.race([c.done, sleep(1000)])
  }
  return { connections: conns.length, bytesSent, replies, exceptions, closedByProxy, problem }
}
