// The core's diagnostics_channel events: one request event per call with the right outcome (read
// from the reply's first field header in either protocol), upstream errors by cause, connection
// open/close. Events from every proxy in the process arrive, so each test filters by its own
// connection ids.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { subscribe, type ConnectionCloseEvent, type ConnectionOpenEvent, type RequestEvent, type UpstreamErrorEvent } from '../../proxy/core/index.js'
import { connectInteropClient, dialectName, startInteropServer, type PeerDialect } from '../support/thrift-peers.js'
import { outcome, startProxy } from './harness.js'

const cleanup: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const f of cleanup.reverse()) await f()
})

describe('core events', () => {
  for (const d of [
    { transport: 'framed', protocol: 'compact', multiplexed: true },
    { transport: 'buffered', protocol: 'binary' },
  ] as PeerDialect[]) {
    test(`request outcomes (${dialectName(d)})`, async () => {
      const requests: RequestEvent[] = []
      const opened: ConnectionOpenEvent[] = []
      const closed: ConnectionCloseEvent[] = []
      const errors: UpstreamErrorEvent[] = []
      cleanup.push(
        subscribe('request', (e) => requests.push(e)),
        subscribe('connectionOpen', (e) => opened.push(e)),
        subscribe('connectionClose', (e) => closed.push(e)),
        subscribe('upstreamError', (e) => errors.push(e)),
      )
      const server = await startInteropServer(d)
      cleanup.push(() => server.close())
      const p = await startProxy(server.port, { methodTimeoutsMs: { 'Interop:slow': 40, slow: 40 } })
      cleanup.push(() => p.close())
      const c = await connectInteropClient(p.port, d)
      await c.ping()
      await c.add(1, 2)
      await outcome(c.find('missing-x'))
      await outcome(c.fail(6))
      await c.notify('e')
      await server.calls.waitFor('notify')
      await outcome(c.slow(300, 'late'))
      await c.close()
      for (let i = 0; i < 100 && closed.length === 0; i++) await new Promise((r) => setTimeout(r, 5))

      const mine = opened.at(-1)?.connectionId
      assert.ok(mine !== undefined)
      const seen = requests.filter((e) => e.connectionId === mine).map((e) => `${e.service ?? '-'}:${e.method} ${e.outcome}`)
      const svc = d.multiplexed === true ? 'Interop' : '-'
      assert.deepEqual(seen, [
        `${svc}:ping success`,
        `${svc}:add success`,
        `${svc}:find declared_exception`,
        `${svc}:fail application_exception`,
        `${svc}:notify oneway`,
        `${svc}:slow timeout`,
      ])
      const add = requests.find((e) => e.connectionId === mine && e.method === 'add')
      assert.ok(add !== undefined && add.durationMs > 0 && add.requestBytes > 0 && add.replyBytes > 0)
      assert.deepEqual(
        errors.filter((e) => e.connectionId === mine).map((e) => `${e.cause} ${e.affectedCalls}`),
        ['timeout 1'],
      )
      assert.equal(closed.find((e) => e.connectionId === mine)?.reason, 'client')
    })
  }
})
