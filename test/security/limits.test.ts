// Hostile and slow clients against the limits that bound them (proxy/core/global-budget.ts,
// slow-client.ts): a partial message trickled in is cut off at its deadline, a client that never
// reads its replies stops being read and is closed, the global in-flight and buffered-bytes caps
// hold across connections. In every case another client on the same proxy keeps being served.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { applicationExceptionFor, TApplicationExceptionType as AppX, type Message } from '../../proxy/codec/index.js'
import type { CallHandler } from '../../proxy/core/index.js'
import { connectInteropClient, startInteropServer } from '../support/thrift-peers.js'
import { sleep } from '../support/net.js'
import { rawConnect } from '../support/raw-tcp.js'
import { binaryAppException, callBytes, FRAMED_BINARY, MessageReader, slowArgs, startProxy, stringSuccess } from '../core/harness.js'

const cleanup: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const f of cleanup.reverse()) await f()
})

const framedBinary = { transport: 'framed', protocol: 'binary' } as const

/** Waits (bounded) until `cond` holds; the bound is a hang guard, not a timing assertion. */
async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`not within ${ms}ms: ${what}`)
    await sleep(10)
  }
}

describe('slow clients', () => {
  test('slowloris: a partial message trickled byte by byte is closed at the message deadline with TG_ERR_MESSAGE_TIMEOUT; another client is served meanwhile', async () => {
    const server = await startInteropServer(framedBinary)
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { limits: { messageTimeoutMs: 300 } })
    cleanup.push(() => p.close())
    const good = await connectInteropClient(p.port, framedBinary)
    cleanup.push(() => good.close())

    const whole = callBytes(FRAMED_BINARY, 'slow', 7, slowArgs(1, 'never complete'))
    const bad = await rawConnect(p.port)
    cleanup.push(() => bad.destroy())
    await bad.send(whole.subarray(0, 12))
    // Trickle one byte at a time, never the last one: progress alone must not extend the deadline.
    let sent = 12
    let sums = 0
    while (!bad.isClosed && sent < whole.length - 1) {
      await bad.send(whole.subarray(sent, sent + 1)).catch(() => undefined)
      sent++
      sums += await good.add(sent, 1)
      await sleep(20)
    }
    await bad.closed
    assert.ok(sent < whole.length - 1, 'the connection was closed before the message could complete')
    assert.ok(sums > 0, 'the other client was served while the slow one trickled')
    const [m] = await new MessageReader(bad, FRAMED_BINARY).take(1)
    const e = binaryAppException(m!)
    assert.equal(e.type, AppX.PROTOCOL_ERROR)
    assert.match(e.message, /TG_ERR_MESSAGE_TIMEOUT/)
    assert.equal(await good.add(2, 3), 5)
    await until(() => p.proxy.stats().bufferedBytes === 0, 'bytes of the cut message released')
  })

  test('a partial message held back by the proxy itself (in-flight cap) is not cut off', async () => {
    const server = await startInteropServer(framedBinary)
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { limits: { messageTimeoutMs: 1_000, maxInFlightPerConnection: 1 } })
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    cleanup.push(() => c.destroy())
    const first = callBytes(FRAMED_BINARY, 'slow', 1, slowArgs(1_500, 'first'))
    const second = callBytes(FRAMED_BINARY, 'slow', 2, slowArgs(1, 'second'))
    const third = callBytes(FRAMED_BINARY, 'slow', 3, slowArgs(1, 'third'))
    // One write: the second call is parked behind the cap and half the third sits in the proxy,
    // past its deadline, while the proxy (not the client) has stopped reading.
    await c.send(Buffer.concat([first, second, third.subarray(0, 10)]))
    const reader = new MessageReader(c, FRAMED_BINARY)
    const r1 = await reader.next()
    await c.send(third.subarray(10))
    const [r2, r3] = await reader.take(2)
    assert.deepEqual([r1, r2, r3].map((m) => stringSuccess(m!)), ['first', 'second', 'third'])
    assert.equal(c.isClosed, false)
  })

  test('a client that never reads its replies: reading it stops, output stays bounded, it is closed after slowClientTimeout; others are served', async () => {
    const server = await startInteropServer(framedBinary)
    cleanup.push(() => server.close())
    // Answers echoBinary itself, as a cache hit would: no upstream involved, so only the proxy can stop it.
    const big = 'x'.repeat(16 * 1024)
    const localAnswers: CallHandler = {
      onCall: (ctx) => (ctx.message.method === 'echoBinary' ? applicationExceptionFor(ctx.message, big, AppX.UNKNOWN) : undefined),
    }
    const limits = { maxBufferedBytes: 64 * 1024, maxMessageSize: 64 * 1024, slowClientTimeoutMs: 500 }
    const p = await startProxy(server.port, { limits, handlers: [localAnswers] })
    cleanup.push(() => p.close())
    const good = await connectInteropClient(p.port, framedBinary)
    cleanup.push(() => good.close())

    const hog = await rawConnect(p.port)
    cleanup.push(() => hog.destroy())
    hog.socket.pause()
    const call = callBytes(FRAMED_BINARY, 'echoBinary', 1, Buffer.from([0]))
    const burst = Buffer.concat(Array.from({ length: 2_000 }, () => call))
    // 2,000 calls would be 32 MB of answers; keep sending until the proxy stops reading us.
    void (async () => {
      for (let i = 0; i < 20 && !hog.isClosed; i++) await hog.send(burst).catch(() => undefined)
    })()
    const before = p.proxy.stats().bytesOut
    assert.equal(await good.add(20, 22), 42)
    // The hog reads nothing, so it would not notice the close: watch the proxy's side.
    await until(() => p.proxy.stats().openConnections === 1, 'the hog closed by the proxy')
    const written = p.proxy.stats().bytesOut - before
    // The output bound is highWater + one message (128 KiB) plus what the OS took; far below 32 MB.
    assert.ok(written < 8 * 1024 * 1024, `the proxy wrote ${written} bytes of answers to a client that reads nothing`)
    assert.equal(await good.add(1, 2), 3)
  })
})

describe('global limits', () => {
  test('maxInFlightTotal: calls over the total wait (the upstream never sees more), none fail', async () => {
    let now = 0
    let max = 0
    const server = await startInteropServer({
      ...framedBinary,
      handler: {
        slow: (ms, tag) => {
          now++
          max = Math.max(max, now)
          return new Promise((resolve) =>
            setTimeout(() => {
              now--
              resolve(tag)
            }, ms),
          )
        },
      },
    })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { limits: { maxInFlightTotal: 2 } })
    cleanup.push(() => p.close())
    const clients = await Promise.all([0, 1, 2].map(() => connectInteropClient(p.port, framedBinary)))
    for (const c of clients) cleanup.push(() => c.close())
    const results = await Promise.all(clients.map((c, ci) => Promise.all(Array.from({ length: 6 }, (_, i) => c.slow(10, `c${ci}-${i}`)))))
    assert.deepEqual(
      results,
      [0, 1, 2].map((ci) => Array.from({ length: 6 }, (_, i) => `c${ci}-${i}`)),
    )
    assert.ok(max <= 2, `upstream saw ${max} calls at once`)
    assert.equal(p.proxy.stats().waitingConnections, 0)
  })

  test('maxBufferedBytesTotal: partial messages over the total pause their connections; complete calls on others go on; room freed wakes them', async () => {
    const server = await startInteropServer(framedBinary)
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { limits: { maxBufferedBytesTotal: 4_000, messageTimeoutMs: 5_000 } })
    cleanup.push(() => p.close())
    const good = await connectInteropClient(p.port, framedBinary)
    cleanup.push(() => good.close())

    const bigCall = (seqid: number, tag: string): Buffer => callBytes(FRAMED_BINARY, 'slow', seqid, slowArgs(1, tag.padEnd(3_000, '.')))
    const a = await rawConnect(p.port)
    const b = await rawConnect(p.port)
    cleanup.push(() => a.destroy(), () => b.destroy())
    const callA = bigCall(1, 'a')
    const callB = bigCall(2, 'b')
    await a.send(callA.subarray(0, 2_500))
    await until(() => p.proxy.stats().bufferedBytes === 2_500, 'a holds 2,500 bytes')
    await b.send(callB.subarray(0, 2_500)) // 5,000 held in all: b must wait
    await until(() => p.proxy.stats().waitingConnections === 1, 'b waits for room')
    await b.send(callB.subarray(2_500)) // stays in the kernel while b is paused
    assert.equal(await good.add(4, 4), 8, 'a complete call on another connection is served')
    assert.ok(p.proxy.stats().bufferedBytes <= 5_000, `held ${p.proxy.stats().bufferedBytes} bytes`)
    // a completes its message: its bytes are released, b is read again and completes too.
    await a.send(callA.subarray(2_500))
    const [ra] = await new MessageReader(a, FRAMED_BINARY).take(1)
    const [rb] = await new MessageReader(b, FRAMED_BINARY).take(1)
    assert.equal(stringSuccess(ra as Message)?.[0], 'a')
    assert.equal(stringSuccess(rb as Message)?.[0], 'b')
    assert.equal(p.proxy.stats().bufferedBytes, 0)
  })
})
