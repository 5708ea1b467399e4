// Exact bytes of the real library, for codec interop tests: what a library client sends, and what
// a library client makes of bytes we hand it as if from a server.
import { withTimeout } from './net.js'
import { startRawServer, type RawConnection } from './raw-tcp.js'
import { connectInteropClient, connectUserClient, type InteropClient, type UserClient } from './thrift-clients.js'
import type { PeerDialect } from './thrift-lib.js'

interface AnyClient {
  readonly thrift: { readonly connection: { readonly connection: { readonly bytesWritten: number; readonly writableLength: number } } }
  close(): Promise<void>
}

/** Resolves once every byte the client socket has written has reached `server`. */
async function allBytesArrived(client: AnyClient, server: RawConnection, timeoutMs: number): Promise<number> {
  const sock = client.thrift.connection.connection
  const deadline = Date.now() + timeoutMs
  // Writes are synchronous in the library (send_* flushes before returning); wait for the socket's
  // own queue to empty, then for the peer to have read that many bytes.
  for (;;) {
    const written = sock.bytesWritten - sock.writableLength
    if (sock.writableLength === 0 && server.bytesReceived >= written) return written
    if (Date.now() > deadline) throw new Error(`bytes did not arrive: wrote ${written}, received ${server.bytesReceived}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** The client, with a no-op catch on every call's promise, so unanswered calls are not unhandled rejections. */
function quiet<C extends object>(client: C): C {
  return new Proxy(client, {
    get(target, key) {
      const v: unknown = Reflect.get(target, key)
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        const r: unknown = (v as (...a: unknown[]) => unknown).apply(target, args)
        if (r instanceof Promise) r.catch(() => {})
        return r
      }
    },
  })
}

async function capture<C extends AnyClient>(connect: (port: number) => Promise<C>, calls: (client: C) => unknown, timeoutMs: number): Promise<Buffer> {
  const srv = await startRawServer()
  const client = await connect(srv.port)
  try {
    const conn = await srv.connection(0)
    // Nobody answers: the calls' promises fail when we close; only their bytes matter.
    const r = calls(quiet(client))
    if (r instanceof Promise) r.catch(() => {})
    await allBytesArrived(client, conn, timeoutMs)
    return conn.take()
  } finally {
    await client.close().catch(() => {})
    await srv.close()
  }
}

/**
 * The exact bytes a real library Interop client sends for the calls `calls` makes (fire them
 * without awaiting: nothing answers). First call has seqid 1, then 2, … (multiplexed too).
 */
export function captureClientBytes(dialect: PeerDialect, calls: (client: InteropClient) => unknown, timeoutMs = 3000): Promise<Buffer> {
  return capture((port) => connectInteropClient(port, dialect), calls, timeoutMs)
}

/** The same for a UserService client. */
export function captureUserClientBytes(dialect: PeerDialect, calls: (client: UserClient) => unknown, timeoutMs = 3000): Promise<Buffer> {
  return capture((port) => connectUserClient(port, dialect), calls, timeoutMs)
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown }

/**
 * Makes one call from a real library client to a raw server; once the request's bytes have all
 * arrived, `respond(request)` gives the bytes the "server" sends back (e.g. a reply our codec
 * wrote, seqid taken from the request). Returns the request and what the library made of it.
 */
export async function replyWithBytes<C extends AnyClient, T>(
  connect: (port: number) => Promise<C>,
  call: (client: C) => Promise<T>,
  respond: (request: Buffer) => Buffer | readonly Buffer[],
  timeoutMs = 3000,
): Promise<{ request: Buffer; outcome: Outcome<T> }> {
  const srv = await startRawServer()
  const client = await connect(srv.port)
  try {
    const conn = await srv.connection(0)
    const p = call(client).then(
      (value): Outcome<T> => ({ ok: true, value }),
      (error: unknown): Outcome<T> => ({ ok: false, error }),
    )
    await allBytesArrived(client, conn, timeoutMs)
    const request = conn.take()
    const reply = respond(request)
    for (const b of Buffer.isBuffer(reply) ? [reply] : (reply as readonly Buffer[])) await conn.send(b)
    const outcome = await withTimeout(p, timeoutMs, 'the library client reading our reply')
    return { request, outcome }
  } finally {
    await client.close().catch(() => {})
    await srv.close()
  }
}

/** replyWithBytes with an Interop client in `dialect`. */
export function interopReplyWithBytes<T>(
  dialect: PeerDialect,
  call: (client: InteropClient) => Promise<T>,
  respond: (request: Buffer) => Buffer | readonly Buffer[],
  timeoutMs?: number,
): Promise<{ request: Buffer; outcome: Outcome<T> }> {
  return replyWithBytes((port) => connectInteropClient(port, dialect), call, respond, timeoutMs)
}
