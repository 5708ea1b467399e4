// The test peers themselves: real library client <-> real library server in every dialect.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  ALL_DIALECTS,
  dialectName,
  i64,
  toBigInt,
  testGen,
  thriftLib,
  startInteropServer,
  connectInteropClient,
  type AllTypesValue,
  type InteropClient,
  type InteropServer,
} from './thrift-peers.js'
import { ThriftClientClosedError } from '../../proxy/demo/index.js'
import { callbackHandler } from './thrift-lib.js'
import { INTEROP_METHODS, notFound } from './interop-server.js'

/** Plain comparable form: i64 → bigint, binary → 'hex:…', unset (null) fields dropped. */
export function normalize(v: unknown): unknown {
  if (v === null || v === undefined) return undefined
  if (Buffer.isBuffer(v)) return `hex:${v.toString('hex')}`
  if (Array.isArray(v)) return v.map(normalize)
  if (typeof v === 'object') {
    if (Buffer.isBuffer((v as { buffer?: unknown }).buffer)) return toBigInt(v)
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      const n = normalize(x)
      if (n !== undefined) out[k] = n
    }
    return out
  }
  return v
}

const SAMPLE: AllTypesValue = {
  b: true,
  i8v: -128,
  i16v: -32768,
  i32v: -2147483648,
  i64v: i64(-(2n ** 63n)),
  dv: 1.5e300,
  s: 'héllo ☃ 𝄞',
  bin: Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80, 0xfe]),
  color: 3,
  inner: { n: 7, label: 'in' },
  li: [1, -1, 2147483647],
  ss: ['a', 'b'],
  msi: { k: i64(2n ** 53n + 1n), z: i64(-3n) },
  nested: [[1], [], [2, 3]],
  mli: { 5: [{ n: 1 }, { n: 2, label: 'x' }] },
  si64: [i64(2n ** 60n + 7n), i64(-1n)],
  lb: [true, false, true],
  mb: { t: true, f: false },
  ld: [0.1, -2.5, Number.POSITIVE_INFINITY],
  mbin: { 'utf8 key': { n: 9 } },
  b2: false,
  farId: 200,
}

const isNotFound = (e: unknown): boolean => e instanceof (testGen().interop.NotFound as unknown as new () => Error)
const isInvalid = (e: unknown): boolean => e instanceof (testGen().interop.Invalid as unknown as new () => Error)
const appEx = thriftLib().Thrift.TApplicationException

for (const d of ALL_DIALECTS) {
  describe(`thrift peers ${dialectName(d)}`, () => {
    let server: InteropServer
    let client: InteropClient
    let release: () => void = () => {}
    let gate = new Promise<void>((r) => (release = r))
    before(async () => {
      server = await startInteropServer({
        ...d,
        handler: {
          // slow('gated', …) waits for the test to open the gate: out-of-order replies without timing.
          slow: (ms, tag) => (tag === 'gated' ? gate.then(() => tag) : new Promise((r) => setTimeout(() => r(tag), ms))),
        },
      })
      client = await connectInteropClient(server.port, d)
    })
    after(async () => {
      release()
      await client.close()
      await server.close()
    })

    test('values round-trip: every type, i64 beyond 2^53, non-UTF-8 binary', async () => {
      // Library quirk (compact only): readBool on a container element compares `readByte().value`
      // (undefined: readByte returns a number) with TRUE, so every bool inside a list/set/map
      // reads as false. The bytes on the wire are right (01/02); the reader is wrong.
      const expected = d.protocol === 'compact' ? { ...SAMPLE, lb: [false, false, false], mb: { t: false, f: false } } : SAMPLE
      assert.deepEqual(normalize(await client.echo(SAMPLE)), normalize(expected))
      assert.equal(toBigInt(await client.echoI64(i64(2n ** 63n - 1n))), 2n ** 63n - 1n)
      assert.equal(toBigInt(await client.echoI64(i64(-(2n ** 53n) - 3n))), -(2n ** 53n) - 3n)
      const bin = Buffer.from([0x80, 0x81, 0xff, 0x00, 0xed, 0xa0, 0x80])
      assert.deepEqual(await client.echoBinary(bin), bin)
      assert.equal(await client.echoString(''), '')
      assert.equal(await client.echoDouble(-1.25e-300), -1.25e-300)
      assert.deepEqual(normalize(await client.echoList([SAMPLE, { s: 'second' }])), normalize([expected, { s: 'second' }]))
      assert.deepEqual(await client.echoMap({ a: [1, 2], b: [] }), { a: [1, 2], b: [] })
      assert.equal(await client.add(2147483647, 1), -2147483648)
      await client.ping()
    })

    test('declared exceptions arrive as the IDL classes with their fields', async () => {
      const nf = await client.find('missing-7').then(() => undefined, (e: unknown) => e)
      assert.ok(isNotFound(nf), String(nf))
      assert.deepEqual([(nf as { what: string }).what, (nf as { code: number }).code], ['missing-7', 404])
      const inv = await client.find('invalid-1').then(() => undefined, (e: unknown) => e)
      assert.ok(isInvalid(inv), String(inv))
      assert.equal((inv as { reason: string }).reason, 'invalid key invalid-1')
      assert.equal(normalize(await client.find('present')) !== undefined, true)
    })

    test('application exceptions: undeclared errors are UNKNOWN, fail(kind) carries its type', async () => {
      const crash = await client.find('crash-1').then(() => undefined, (e: unknown) => e)
      assert.ok(crash instanceof appEx)
      assert.equal(crash.type, 0)
      assert.equal(crash.message, 'crash on crash-1')
      const f0 = await client.fail(0).then(() => undefined, (e: unknown) => e)
      assert.ok(f0 instanceof appEx)
      assert.deepEqual([f0.type, f0.message], [0, 'fail(0)'])
      const f6 = await client.fail(6).then(() => undefined, (e: unknown) => e)
      assert.ok(f6 instanceof appEx)
      assert.deepEqual([f6.type, f6.message], [6, 'fail(6)'])
    })

    test('oneway notify reaches the handler and is recorded', async () => {
      await client.notify(`ev-${dialectName(d)}`)
      const call = await server.calls.waitFor('notify', (a) => a[0] === `ev-${dialectName(d)}`)
      assert.equal(call.service, 'Interop')
    })

    test('pipelined concurrent calls each get their own answer, even out of order', async () => {
      const order: string[] = []
      const gated = client.slow(0, 'gated').then((v) => (order.push('slow'), v))
      const many = Array.from({ length: 40 }, (_, i) =>
        i % 3 === 0 ? client.add(i, 1000) : i % 3 === 1 ? client.echoString(`s${i}`) : client.slow(1, `t${i}`),
      )
      const results = await Promise.all(many)
      order.push('others')
      results.forEach((r, i) => assert.equal(r, i % 3 === 0 ? i + 1000 : i % 3 === 1 ? `s${i}` : `t${i}`))
      release()
      assert.equal(await gated, 'gated')
      assert.deepEqual(order, ['others', 'slow'])
      gate = new Promise<void>((r) => (release = r))
    })

    if (d.multiplexed) {
      test('the second multiplexed service answers on the same connection', async () => {
        assert.deepEqual(await Promise.all([client.hello('w'), client.add(1, 2)]), ['hello, w', 3])
        assert.equal((await server.calls.waitFor('hello')).service, 'Second')
      })
    }

    test('fail(-1) drops the connection; the pending call fails, a new client works', async () => {
      const c = await connectInteropClient(server.port, d)
      const err = await c.fail(-1).then(() => undefined, (e: unknown) => e)
      assert.ok(err instanceof ThriftClientClosedError, String(err))
      await c.closed
      await assert.rejects(c.ping(), ThriftClientClosedError)
      const c2 = await connectInteropClient(server.port, d)
      assert.equal(await c2.add(1, 1), 2)
      await c2.close()
    })
  })
}

describe('thrift peers: callback-style handlers (0.17 code on the 0.24 library)', () => {
  test('the library has no thrift.Q, so a handler whose length equals the IDL arity would fail', () => {
    assert.equal((thriftLib() as unknown as { Q?: unknown }).Q, undefined)
    const h = callbackHandler(INTEROP_METHODS, {} as Record<string, never>)
    assert.equal((h.add as () => void).length, 3)
    assert.equal((h.ping as () => void).length, 1)
  })

  test('sync values, promises, throws and rejections are all answered', async () => {
    const d = { transport: 'framed', protocol: 'compact' } as const
    const server = await startInteropServer({
      ...d,
      handler: {
        add: (a, b) => Promise.resolve(a * b),
        echoString: (s) => {
          if (s === 'throw') throw new Error('thrown')
          return s.toUpperCase()
        },
        echoI64: () => Promise.reject(new Error('rejected')),
        find: (key) => Promise.reject(notFound(key, 7)),
      },
    })
    const c = await connectInteropClient(server.port, d)
    try {
      assert.equal(await c.add(6, 7), 42)
      assert.equal(await c.echoString('abc'), 'ABC')
      await assert.rejects(c.echoString('throw'), (e: Error) => e instanceof appEx && e.message === 'thrown')
      await assert.rejects(c.echoI64(i64(1n)), (e: Error) => e instanceof appEx && e.message === 'rejected')
      await assert.rejects(c.find('k'), (e: unknown) => isNotFound(e) && (e as { code: number }).code === 7)
    } finally {
      await c.close()
      await server.close()
    }
  })
})

describe('thrift peers: connection edge cases', () => {
  test('connection counts, dropConnections (clients see the close), restart on the same port', async () => {
    const d = { transport: 'buffered', protocol: 'binary' } as const
    const server = await startInteropServer(d)
    const a = await connectInteropClient(server.port, d)
    const b = await connectInteropClient(server.port, d)
    await Promise.all([a.ping(), b.ping()])
    assert.equal(server.openConnections, 2)
    assert.equal(server.acceptedConnections, 2)
    const pending = a.slow(10_000, 'never')
    server.dropConnections()
    await assert.rejects(pending, ThriftClientClosedError)
    await Promise.all([a.closed, b.closed])
    const port = server.port
    await server.close()
    const again = await startInteropServer({ ...d, port })
    const c = await connectInteropClient(port, d)
    assert.equal(await c.add(2, 2), 4)
    await c.close()
    await again.close()
  })

  test('large messages (2 MiB binary, arriving in many TCP chunks) in every transport', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024)
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff
    for (const transport of ['framed', 'buffered', 'header'] as const) {
      const d = { transport, protocol: 'compact' } as const
      const server = await startInteropServer(d)
      const c = await connectInteropClient(server.port, d)
      try {
        const [a, b] = await Promise.all([c.echoBinary(big), c.add(1, 2)])
        assert.ok(a.equals(big), transport)
        assert.equal(b, 3)
      } finally {
        await c.close()
        await server.close()
      }
    }
  })

  test('connecting to a port nobody listens on rejects', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    const port = server.port
    await server.close()
    await assert.rejects(connectInteropClient(port, { transport: 'framed', protocol: 'binary' }), /could not connect/)
  })

  test('header clients send info headers (case kept) and header servers record them per call', async () => {
    for (const protocol of ['binary', 'compact'] as const) {
      const d = { transport: 'header', protocol, multiplexed: true } as const
      const server = await startInteropServer(d)
      const a = await connectInteropClient(server.port, { ...d, headers: { 'X-Trace-Id': 'abc', lower: 'v' } })
      const b = await connectInteropClient(server.port, d)
      try {
        await Promise.all([a.add(1, 2), b.add(3, 4), a.slow(1, 'x')])
        const byArgs = (x: number) => server.calls.all.find((c) => c.method === 'add' && c.args[0] === x)
        assert.deepEqual(byArgs(1)?.headers, { 'X-Trace-Id': 'abc', lower: 'v' })
        assert.deepEqual(byArgs(3)?.headers, {})
        assert.deepEqual(server.calls.all.find((c) => c.method === 'slow')?.headers, { 'X-Trace-Id': 'abc', lower: 'v' })
      } finally {
        await a.close()
        await b.close()
        await server.close()
      }
    }
  })
})
