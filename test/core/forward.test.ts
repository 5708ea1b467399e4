// The dialect matrix: every transport × protocol × multiplexed, real library clients and servers,
// each call made direct and through the proxy; the answers must be the same (values, declared
// exceptions, application exceptions, oneway delivery).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ALL_DIALECTS,
  connectInteropClient,
  dialectName,
  i64,
  startInteropServer,
  type AllTypesValue,
  type InteropClient,
  type InteropServer,
} from '../support/thrift-peers.js'
import { outcome, startProxy, type Outcome, type RunningProxy } from './harness.js'

const sample: AllTypesValue = {
  b: true,
  i8v: -7,
  i16v: 1234,
  i32v: -2_000_000_000,
  i64v: i64(-(2n ** 62n) + 5n),
  dv: 3.25,
  s: 'héllo, wörld',
  bin: Buffer.from([0, 1, 2, 254, 255]),
  color: 2,
  inner: { n: 9, label: 'in' },
  li: [1, -2, 3],
  ss: ['a', 'b'],
  msi: { x: i64(1), y: i64(-1) },
  nested: [[1], [], [2, 3]],
  mli: { 5: [{ n: 1 }, { n: 2, label: 'two' }] },
  si64: [i64(10), i64(20)],
  lb: [true, false, true],
  mb: { t: true, f: false },
  opt: 'present',
  ld: [0.5, -1e300],
  mbin: { key: { n: 3 } },
  b2: false,
  farId: 200,
}

/** The calls made both ways; each yields a comparable outcome. */
function battery(c: InteropClient, multiplexed: boolean): [string, () => Promise<unknown>][] {
  const calls: [string, () => Promise<unknown>][] = [
    ['ping', () => c.ping()],
    ['echo AllTypes', () => c.echo(sample)],
    ['echoString', () => c.echoString('x'.repeat(3000))],
    ['echoBinary', () => c.echoBinary(Buffer.from([0, 0x80, 0xff]))],
    ['echoI64', () => c.echoI64(i64(2n ** 63n - 1n))],
    ['echoDouble', () => c.echoDouble(-0.125)],
    ['echoList', () => c.echoList([sample, { s: 'second' }])],
    ['echoMap', () => c.echoMap({ a: [1, 2], b: [] })],
    ['add wraps', () => c.add(2147483647, 1)],
    ['find value', () => c.find('key-1')],
    ['find NotFound', () => c.find('missing-1')],
    ['find Invalid', () => c.find('invalid-1')],
    ['find undeclared error', () => c.find('crash-1')],
    ['fail INTERNAL_ERROR', () => c.fail(6)],
    ['fail UNKNOWN_METHOD', () => c.fail(1)],
    ['fail undeclared', () => c.fail(0)],
  ]
  if (multiplexed) calls.push(['Second.hello', () => c.hello('proxy')])
  return calls
}

for (const d of ALL_DIALECTS) {
  describe(`forwarding ${dialectName(d)}`, () => {
    let server: InteropServer
    let proxy: RunningProxy
    let direct: InteropClient
    let via: InteropClient

    before(async () => {
      server = await startInteropServer(d)
      proxy = await startProxy(server.port)
      direct = await connectInteropClient(server.port, d)
      via = await connectInteropClient(proxy.port, d)
    })
    after(async () => {
      await via?.close()
      await direct?.close()
      await proxy?.close()
      await server?.close()
    })

    test('every answer through the proxy equals the answer direct', async () => {
      for (const [name, direct_, via_] of zip(battery(direct, d.multiplexed), battery(via, d.multiplexed))) {
        const a: Outcome = await outcome(direct_())
        const b: Outcome = await outcome(via_())
        assert.deepStrictEqual(b, a, name)
      }
    })

    test('a oneway call reaches the upstream and gets no reply', async () => {
      await via.notify('through-proxy')
      const got = await server.calls.waitFor('notify', (args) => args[0] === 'through-proxy')
      assert.deepEqual(got.args, ['through-proxy'])
      // The connection still works after it (no reply was waited for or mis-routed).
      assert.equal(await via.add(1, 2), 3)
      assert.equal(proxy.proxy.stats().inFlight, 0)
    })
  })
}

function zip<A extends [string, () => Promise<unknown>]>(a: A[], b: A[]): [string, () => Promise<unknown>, () => Promise<unknown>][] {
  assert.equal(a.length, b.length)
  return a.map((x, i) => [x[0], x[1], (b[i] as A)[1]])
}
