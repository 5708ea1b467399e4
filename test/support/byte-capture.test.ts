// Byte capture, feeding bytes to a real client, raw TCP, and pins for the library quirks that
// shaped the peers (if one of these starts failing, the library changed: revisit thrift-peers.ts).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {
  ALL_DIALECTS,
  dialectName,
  captureClientBytes,
  captureUserClientBytes,
  interopReplyWithBytes,
  rawConnect,
  startInteropServer,
  startRawServer,
  connectInteropClient,
  replyWithBytes,
  testGen,
  thriftLib,
  i64,
} from './thrift-peers.js'
import { ThriftCallTimeoutError } from '../../proxy/demo/index.js'
import { callbackHandler } from './thrift-lib.js'
import { INTEROP_METHODS, defaultInteropHandler } from './interop-server.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const framed = (body: Buffer): Buffer => Buffer.concat([hex((body.length >>> 0).toString(16).padStart(8, '0')), body])
/** A THeader frame around `payload` (protocol id, no transforms, no info, one word of header). */
function theader(seqid: number, protocolId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(14 + 4)
  head.writeUInt32BE(10 + 4 + payload.length, 0)
  head.writeUInt16BE(0x0fff, 4)
  head.writeUInt16BE(0, 6)
  head.writeUInt32BE(seqid, 8)
  head.writeUInt16BE(1, 12)
  head[14] = protocolId // then 0 transforms and padding: already zero
  return Buffer.concat([head, payload])
}

describe('captureClientBytes: what a real library client sends', () => {
  test('golden bytes for add(1, 2) then ping() in three dialects', async () => {
    const calls = (c: { add(a: number, b: number): unknown; ping(): unknown }) => {
      c.add(1, 2)
      c.ping()
    }
    assert.deepEqual(
      await captureClientBytes({ transport: 'framed', protocol: 'binary' }, calls),
      hex('0000001e 80010001 00000003 616464 00000001 08 0001 00000001 08 0002 00000002 00 00000011 80010001 00000004 70696e67 00000002 00'),
    )
    assert.deepEqual(
      await captureClientBytes({ transport: 'buffered', protocol: 'compact' }, calls),
      hex('82 21 01 03 616464 15 02 15 04 00  82 21 02 04 70696e67 00'),
    )
    assert.deepEqual(
      await captureClientBytes({ transport: 'header', protocol: 'binary' }, calls),
      Buffer.concat([
        theader(1, 0, hex('80010001 00000003 616464 00000001 08 0001 00000001 08 0002 00000002 00')),
        theader(2, 0, hex('80010001 00000004 70696e67 00000002 00')),
      ]),
    )
  })

  test('multiplexed calls carry "Service:method"; the second service shares the seqid counter', async () => {
    const b = await captureClientBytes({ transport: 'buffered', protocol: 'binary', multiplexed: true }, (c) => {
      c.ping()
      c.hello('x')
    })
    assert.deepEqual(b, hex('80010001 0000000c 496e7465726f703a70696e67 00000001 00  80010001 0000000c 5365636f6e643a68656c6c6f 00000002 0b 0001 00000001 78 00'))
  })

  test('every dialect yields bytes; oneway calls use message type ONEWAY', async () => {
    for (const d of ALL_DIALECTS) {
      const b = await captureClientBytes(d, (c) => c.notify('e'))
      assert.ok(b.length > 0, dialectName(d))
      if (d.transport === 'buffered' && d.protocol === 'binary') assert.equal(b.readUInt32BE(0), 0x80010004)
      if (d.transport === 'buffered' && d.protocol === 'compact') assert.equal(b[1], 0x81)
      if (d.transport === 'header') assert.equal(b.readUInt16BE(4), 0x0fff)
    }
  })

  test('UserService client bytes, i64 exact', async () => {
    const b = await captureUserClientBytes({ transport: 'buffered', protocol: 'binary' }, (c) => c.getUser(i64(2n ** 62n + 1n)))
    assert.deepEqual(b, hex('80010001 00000007 67657455736572 00000001 0a 0001 4000000000000001 00'))
  })
})

describe('interopReplyWithBytes: the library client reads bytes we hand it', () => {
  test('a framed binary reply with the request seqid resolves the call', async () => {
    const { request, outcome } = await interopReplyWithBytes(
      { transport: 'framed', protocol: 'binary' },
      (c) => c.add(40, 2),
      (req) => framed(Buffer.concat([hex('80010002 00000003 616464'), req.subarray(15, 19), hex('08 0000 0000002a 00')])),
    )
    assert.equal(request.readUInt32BE(15), 1)
    assert.deepEqual(outcome, { ok: true, value: 42 })
  })

  test('a compact EXCEPTION becomes a TApplicationException with its type', async () => {
    const { outcome } = await interopReplyWithBytes(
      { transport: 'buffered', protocol: 'compact' },
      (c) => c.ping(),
      // 0x82, (EXCEPTION 3 << 5) | 1, seqid 1, "ping", {1: "no", 2: i32 6}
      () => hex('82 61 01 04 70696e67  18 02 6e6f  15 0c  00'),
    )
    assert.equal(outcome.ok, false)
    const err = outcome.ok ? undefined : outcome.error
    assert.ok(err instanceof thriftLib().Thrift.TApplicationException)
    assert.deepEqual([err.type, err.message], [6, 'no'])
  })

  test('a THeader reply split at any byte is read by the header client', async () => {
    const all = theader(1, 2, hex('82 41 01 0a 6563686f537472696e67  08 00 02 6869 00'))
    for (let cut = 0; cut < all.length; cut++) {
      const { outcome } = await interopReplyWithBytes(
        { transport: 'header', protocol: 'compact' },
        (c) => c.echoString('hi'),
        () => [all.subarray(0, cut), all.subarray(cut)],
      )
      assert.deepEqual(outcome, { ok: true, value: 'hi' }, `cut at ${cut}`)
    }
  })
})

describe('lost replies fail calls instead of hanging them', () => {
  test('the library silently drops a reply with an unknown seqid; callTimeoutMs turns that into an error', async () => {
    const { outcome } = await replyWithBytes(
      (port) => connectInteropClient(port, { transport: 'framed', protocol: 'binary', callTimeoutMs: 200 }),
      (c) => c.add(40, 2),
      () => framed(hex('80010002 00000003 616464 00000063 08 0000 0000002a 00')), // seqid 99, not 1
    )
    assert.equal(outcome.ok, false)
    assert.ok(!outcome.ok && outcome.error instanceof ThriftCallTimeoutError, String(!outcome.ok && outcome.error))
  })
})

describe('rawConnect against a real server', () => {
  test('send a captured call, read the framed reply, see the server drop the connection', async () => {
    const d = { transport: 'framed', protocol: 'binary' } as const
    const server = await startInteropServer(d)
    const raw = await rawConnect(server.port)
    try {
      await raw.send(await captureClientBytes(d, (c) => c.add(2, 3)))
      const len = (await raw.readUntil(4)).readUInt32BE(0)
      const reply = await raw.readUntil(len)
      assert.deepEqual(reply, hex('80010002 00000003 616464 00000001 08 0000 00000005 00'))
      await raw.send(await captureClientBytes(d, (c) => c.fail(-1)))
      await raw.closed
      assert.equal(raw.isClosed, true)
      await assert.rejects(raw.readUntil(1, 200), /closed/)
    } finally {
      raw.destroy()
      await server.close()
    }
  })

  test('startRawServer hands out accepted connections; readUntil with a predicate', async () => {
    const srv = await startRawServer()
    const c = await rawConnect(srv.port)
    const s = await srv.connection(0)
    await c.send(Buffer.from('hello world'))
    assert.equal((await s.readUntil((b) => b.includes(' world'))).toString(), 'hello world')
    c.end()
    await s.closed
    await srv.close()
  })
})

describe('library quirks the peers work around (pins)', () => {
  test("the library's own header server answers an async handler WITHOUT the THeader wrapper", async () => {
    const lib = thriftLib()
    const handler = callbackHandler(INTEROP_METHODS, {
      ...defaultInteropHandler,
      echoString: (s: string) => new Promise<string>((r) => setImmediate(() => r(s))),
    } as unknown as Record<string, never>)
    const server = lib.createMultiplexServer(new (testGen().Interop.Processor)(handler), { transport: lib.TBufferedTransport, protocol: lib.THeaderProtocol })
    server.on('error', () => {})
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const raw = await rawConnect((server.address() as net.AddressInfo).port)
    try {
      await raw.send(await captureClientBytes({ transport: 'header', protocol: 'binary' }, (c) => c.add(1, 1)))
      const sync = await raw.readUntil((b) => b.length >= 4 && b.length >= 4 + b.readUInt32BE(0))
      assert.equal(sync.readUInt16BE(4), 0x0fff, 'a synchronous reply is wrapped')
      await raw.send(await captureClientBytes({ transport: 'header', protocol: 'binary' }, (c) => c.echoString('x')))
      const late = await raw.readUntil((b) => b.length >= 2)
      assert.equal(late.readUInt16BE(0), 0x8001, 'the async reply is a bare binary message')
    } finally {
      raw.destroy()
      await new Promise((r) => server.close(r))
    }
  })

  test("the library's header client, unpatched, sends no THeader at all", async () => {
    const lib = thriftLib()
    const srv = await startRawServer()
    const conn = lib.createConnection('127.0.0.1', srv.port, { transport: lib.TBufferedTransport, protocol: lib.THeaderProtocol })
    conn.on('error', () => {})
    const client = lib.createClient(testGen().Interop, conn) as { ping(cb: () => void): void }
    client.ping(() => {})
    const got = await (await srv.connection(0)).readUntil(4)
    assert.equal(got.readUInt32BE(0), 0x80010001)
    conn.destroy()
    await srv.close()
  })

  test('doubles through library handlers: -0.0 comes back +0.0, a NaN payload comes back canonical', async () => {
    const d = { transport: 'framed', protocol: 'binary' } as const
    const server = await startInteropServer(d)
    const c = await connectInteropClient(server.port, d)
    try {
      assert.equal(Object.is(await c.echoDouble(-0), 0), true)
      const out = Buffer.alloc(8)
      out.writeDoubleBE(await c.echoDouble(hex('7ff8000000000123').readDoubleBE(0)))
      assert.deepEqual(out, hex('7ff8000000000000'))
    } finally {
      await c.close()
      await server.close()
    }
  })

  test('application exceptions from library servers carry no type field (written from .code)', async () => {
    const d = { transport: 'buffered', protocol: 'binary' } as const
    const server = await startInteropServer(d)
    const raw = await rawConnect(server.port)
    try {
      await raw.send(await captureClientBytes(d, (c) => c.find('crash')))
      const reply = await raw.readUntil((b) => b.length >= 16 && b[b.length - 1] === 0)
      const msg = Buffer.from('crash on crash')
      assert.deepEqual(reply, Buffer.concat([hex('80010003 00000004 66696e64 00000001 0b 0001'), hex(msg.length.toString(16).padStart(8, '0')), msg, hex('00')]))
    } finally {
      raw.destroy()
      await server.close()
    }
  })
})
