// Faults on either side: every affected call gets a TApplicationException in the client's own
// dialect (never a hang), the proxy keeps serving everyone else, and calls are never retried.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { TApplicationExceptionType as AppX, MessageType } from '../../proxy/codec/index.js'
import { connectInteropClient, startInteropServer, type InteropServer } from '../support/thrift-peers.js'
import { freePort, LOOPBACK, sleep } from '../support/net.js'
import { rawConnect, startRawServer } from '../support/raw-tcp.js'
import {
  addArgs,
  appError,
  binaryAppException,
  callBytes,
  FRAMED_BINARY,
  i32Success,
  MessageReader,
  outcome,
  slowArgs,
  startProxy,
  UNFRAMED_BINARY,
} from './harness.js'

const BLACKHOLE = `
import socket, time
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(0)
fill = []
for i in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(s.getsockname())
    except BlockingIOError:
        pass
    fill.append(c)
time.sleep(0.2)
print(s.getsockname()[1], flush=True)
time.sleep(30)
`

const cleanup: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const f of cleanup.reverse()) await f()
})

/** A TCP forwarder on a given port, standing in for an upstream that comes up late at that address. */
async function forwarderOn(port: number, to: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const srv = net.createServer((s) => {
    const u = net.connect(to, LOOPBACK)
    sockets.add(s).add(u)
    s.pipe(u).pipe(s)
    s.on('error', () => u.destroy())
    u.on('error', () => s.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject)
    srv.listen(port, LOOPBACK, resolve)
  })
  return {
    close: () =>
      new Promise<void>((resolve) => {
        srv.close(() => resolve())
        for (const s of sockets) s.destroy()
      }),
  }
}

describe('upstream faults', () => {
  test('upstream down at start: INTERNAL_ERROR naming upstream and cause, fail fast, then recovery after backoff', async () => {
    const port = await freePort()
    const p = await startProxy(port, { backoff: { initialMs: 30, maxMs: 60 } })
    cleanup.push(() => p.close())
    const c = await connectInteropClient(p.port, { transport: 'framed', protocol: 'compact' })
    cleanup.push(() => c.close())
    const first = appError(await outcome(c.add(1, 2)))
    assert.equal(first?.type, AppX.INTERNAL_ERROR)
    assert.match(first?.message ?? '', new RegExp(`upstream 127\\.0\\.0\\.1:${port}: .*connection refused`))
    const second = appError(await outcome(c.add(1, 2)))
    assert.equal(second?.type, AppX.INTERNAL_ERROR)
    assert.match(second?.message ?? '', /127\.0\.0\.1:\d+.*refused/)

    const server = await startInteropServer({ transport: 'framed', protocol: 'compact' })
    cleanup.push(() => server.close())
    const fwd = await forwarderOn(port, server.port)
    cleanup.push(() => fwd.close())
    // The same client connection recovers once the backoff has passed (bounded number of tries).
    let answer: unknown
    for (let i = 0; i < 50 && answer !== 3; i++) {
      const o = await outcome(c.add(1, 2))
      if ('ok' in o) answer = o.ok
      else await sleep(20)
    }
    assert.equal(answer, 3)
  })

  test('an upstream that never completes the TCP handshake: INTERNAL_ERROR "connect timed out"', async () => {
    // A listener whose accept queue is full (backlog 0, filled, never accepting): Linux drops further
    // SYNs, so a connect hangs, as for a host that has gone silent.
    const py = spawn('/usr/bin/python3', ['-c', BLACKHOLE], { stdio: ['ignore', 'pipe', 'inherit'] })
    cleanup.push(() => void py.kill())
    const [line] = (await once(py.stdout!, 'data')) as [Buffer]
    const port = Number(line.toString().trim())
    const p = await startProxy(port, { connectTimeoutMs: 100 })
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    cleanup.push(() => c.destroy())
    await c.send(callBytes(FRAMED_BINARY, 'add', 4, addArgs(1, 2)))
    const [m] = await new MessageReader(c, FRAMED_BINARY).take(1)
    assert.equal(m?.seqid, 4)
    const x = binaryAppException(m!)
    assert.equal(x.type, AppX.INTERNAL_ERROR)
    assert.match(x.message, new RegExp(`upstream 127\\.0\\.0\\.1:${port}: connect timed out \\(100ms\\)`))
  })

  test('upstream drops the connection mid-call: every pending call on it fails, the next call reconnects', async () => {
    const server = await startInteropServer({ transport: 'buffered', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port)
    cleanup.push(() => p.close())
    const c = await connectInteropClient(p.port, { transport: 'buffered', protocol: 'binary' })
    cleanup.push(() => c.close())
    const pendingSlow = outcome(c.slow(3000, 'never'))
    await server.calls.waitFor('slow')
    // fail(-1): the library server drops the connection without answering.
    const [slow, dropped] = await Promise.all([pendingSlow, outcome(c.fail(-1))])
    for (const o of [slow, dropped]) {
      const e = appError(o)
      assert.equal(e?.type, AppX.INTERNAL_ERROR)
      assert.match(e?.message ?? '', new RegExp(`upstream 127\\.0\\.0\\.1:${server.port}: connection (closed|reset)`))
    }
    assert.equal(await c.add(20, 22), 42)
    // Never retried: the call that killed the connection reached the upstream exactly once.
    assert.equal(server.calls.count('fail'), 1)
  })

  test('slow past the request timeout: INTERNAL_ERROR, connection kept, the late reply dropped', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { methodTimeoutsMs: { slow: 60 } })
    cleanup.push(() => p.close())
    const c = await connectInteropClient(p.port, { transport: 'framed', protocol: 'binary' })
    cleanup.push(() => c.close())
    const e = appError(await outcome(c.slow(250, 'late')))
    assert.equal(e?.type, AppX.INTERNAL_ERROR)
    assert.match(e?.message ?? '', /timed out after 60ms/)
    assert.equal(await c.add(1, 1), 2) // not subject to slow's timeout, and the connection still works
    await server.calls.waitFor('slow')
    await sleep(300) // let the late reply arrive: it must be dropped, not delivered
    assert.equal(await c.echoString('after'), 'after')
    assert.equal(await c.slow(1, 'fast enough'), 'fast enough')
    assert.equal(p.proxy.stats().unmatchedReplies, 0)
    assert.equal(p.proxy.stats().inFlight, 0)
  })

  test('a short per-method timeout behind a long default one fires on time; the long call still succeeds', async () => {
    const server = await startInteropServer({
      transport: 'framed',
      protocol: 'binary',
      handler: { echoString: (s) => new Promise((resolve) => setTimeout(() => resolve(s), 150)) },
    })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { requestTimeoutMs: 5_000, methodTimeoutsMs: { slow: 40 } })
    cleanup.push(() => p.close())
    const c = await connectInteropClient(p.port, { transport: 'framed', protocol: 'binary' })
    cleanup.push(() => c.close())
    const long = c.echoString('long')
    const short = await outcome(c.slow(400, 'short'))
    assert.match(appError(short)?.message ?? '', /slow timed out after 40ms/)
    assert.equal(await long, 'long')
  })

  test('upstream replies garbage: INTERNAL_ERROR for the call, other connections unaffected', async () => {
    const bad = await startRawServer((conn) => {
      void conn.readUntil((b) => b.length > 0).then(() => conn.send(Buffer.from([0, 0, 0, 5, 0x7f, 1, 2, 3, 4])))
    })
    cleanup.push(() => bad.close())
    const p = await startProxy(bad.port)
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    cleanup.push(() => c.destroy())
    await c.send(callBytes(FRAMED_BINARY, 'add', 9, addArgs(1, 2)))
    const [m] = await new MessageReader(c, FRAMED_BINARY).take(1)
    assert.equal(m?.type, MessageType.EXCEPTION)
    assert.equal(m?.seqid, 9)
    assert.equal(m?.name, 'add')
    const x = binaryAppException(m!)
    assert.equal(x.type, AppX.INTERNAL_ERROR)
    assert.match(x.message, /upstream 127\.0\.0\.1:\d+: upstream sent garbage/)
    assert.equal(c.isClosed, false)
  })
})

describe('client faults', () => {
  test('garbage in a known dialect: PROTOCOL_ERROR, that connection closes, others never notice', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port)
    cleanup.push(() => p.close())
    const good = await connectInteropClient(p.port, { transport: 'framed', protocol: 'binary' })
    cleanup.push(() => good.close())
    const slow = good.slow(100, 'survives')
    const c = await rawConnect(p.port)
    const r = new MessageReader(c, FRAMED_BINARY)
    // A valid call first (the dialect becomes known), then a frame whose envelope is broken.
    await c.send(callBytes(FRAMED_BINARY, 'add', 1, addArgs(1, 2)))
    assert.equal(i32Success(await r.next()), 3)
    await c.send(Buffer.from([0, 0, 0, 6, 0x80, 0x01, 0x00, 0x01, 0xff, 0xff]))
    const x = await r.next()
    assert.equal(x.type, MessageType.EXCEPTION)
    assert.equal(binaryAppException(x).type, AppX.PROTOCOL_ERROR)
    await c.closed
    assert.equal(await slow, 'survives')
    assert.equal(await good.add(2, 2), 4)
  })

  test('bytes in no Thrift dialect: the connection closes without a reply', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port)
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    await c.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
    await c.closed
    assert.equal(c.bytesReceived, 0)
  })

  test('an oversized frame: PROTOCOL_ERROR before the frame is read, then close', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { transport: 'framed', protocol: 'binary', limits: { maxMessageSize: 1024 } })
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    const head = Buffer.alloc(4)
    head.writeInt32BE(1_000_000)
    await c.send(head)
    const [m] = await new MessageReader(c, FRAMED_BINARY).take(1)
    assert.equal(m?.seqid, 0)
    const x = binaryAppException(m!)
    assert.equal(x.type, AppX.PROTOCOL_ERROR)
    assert.match(x.message, /TG_ERR_FRAME_TOO_LARGE/)
    await c.closed
  })

  test('client disconnects mid-call: the upstream connection is released', async () => {
    const upstream = await startRawServer()
    cleanup.push(() => upstream.close())
    const p = await startProxy(upstream.port)
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    await c.send(callBytes(UNFRAMED_BINARY, 'slow', 3, slowArgs(5000, 'x')))
    const up = await upstream.connection(0)
    await up.readUntil((b) => b.length > 0)
    assert.equal(p.proxy.stats().inFlight, 1)
    c.destroy()
    await up.closed
    assert.equal(p.proxy.stats().inFlight, 0)
    assert.equal(p.proxy.stats().upstreamConnections, 0)
  })
})

describe('message types', () => {
  test('a client sending a REPLY gets INVALID_MESSAGE_TYPE and its connection closes', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port)
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    await c.send(callBytes(FRAMED_BINARY, 'add', 12, addArgs(1, 2), MessageType.REPLY))
    const [m] = await new MessageReader(c, FRAMED_BINARY).take(1)
    assert.equal(m?.seqid, 12)
    assert.equal(binaryAppException(m!).type, AppX.INVALID_MESSAGE_TYPE)
    await c.closed
    assert.equal(server.calls.count(), 0)
  })

  test('a CALL to a method the IDL declares oneway is forwarded without waiting for a reply', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { onewayMethods: ['notify'] })
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    cleanup.push(() => c.destroy())
    const event = Buffer.from([11, 0, 1, 0, 0, 0, 2, 0x68, 0x69, 0]) // {1: string "hi"}
    await c.send(callBytes(FRAMED_BINARY, 'notify', 1, event, MessageType.CALL))
    await server.calls.waitFor('notify', (args) => args[0] === 'hi')
    assert.equal(p.proxy.stats().inFlight, 0)
    await c.send(callBytes(FRAMED_BINARY, 'add', 2, addArgs(2, 2)))
    const [m] = await new MessageReader(c, FRAMED_BINARY).take(1)
    assert.equal(m?.seqid, 2)
    assert.equal(i32Success(m!), 4)
  })
})
