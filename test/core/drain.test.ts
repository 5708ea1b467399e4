// Graceful drain: readiness fails first, the listener stops accepting, calls in flight finish
// (none lost), connections close once idle; past the deadline, what is left gets INTERNAL_ERROR.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { TApplicationExceptionType as AppX } from '../../proxy/codec/index.js'
import { subscribe, type DrainEvent } from '../../proxy/core/index.js'
import { connectInteropClient, startInteropServer } from '../support/thrift-peers.js'
import { LOOPBACK } from '../support/net.js'
import { appError, outcome, startProxy } from './harness.js'

const dialect = { transport: 'framed', protocol: 'compact' } as const

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, LOOPBACK)
    s.once('connect', () => {
      s.destroy()
      resolve(false)
    })
    s.once('error', () => resolve(true))
  })
}

describe('drain', () => {
  test('calls in flight on many connections all finish; readiness off first; then new connections are refused', async () => {
    const server = await startInteropServer(dialect)
    const p = await startProxy(server.port)
    const events: DrainEvent[] = []
    const unsubscribe = subscribe('drain', (e) => events.push(e))
    try {
      const clients = await Promise.all(Array.from({ length: 4 }, () => connectInteropClient(p.port, dialect)))
      const calls = clients.flatMap((c, ci) => Array.from({ length: 10 }, (_, i) => c.slow(50 + i * 10, `c${ci}-${i}`)))
      await server.calls.waitFor('slow', () => server.calls.count('slow') === 40)
      assert.equal(p.proxy.ready, true)
      const closing = p.proxy.close(5_000)
      assert.equal(p.proxy.ready, false)
      assert.equal(p.proxy.close(), closing, 'close() is idempotent')
      const results = await Promise.all(calls)
      assert.deepEqual(
        results,
        clients.flatMap((_, ci) => Array.from({ length: 10 }, (_, i) => `c${ci}-${i}`)),
      )
      await closing
      assert.equal(await refused(p.port), true)
      await Promise.all(clients.map((c) => c.closed))
      assert.equal(p.proxy.stats().openConnections, 0)
      const mine = events.filter((e) => e.phase === 'done')
      assert.ok(mine.some((e) => !e.deadlineHit))
    } finally {
      unsubscribe()
      p.proxy.destroy()
      await server.close()
    }
  })

  test('past the deadline, calls still waiting get INTERNAL_ERROR and close() resolves', async () => {
    const server = await startInteropServer(dialect)
    const p = await startProxy(server.port)
    try {
      const c = await connectInteropClient(p.port, dialect)
      const stuck = outcome(c.slow(5_000, 'too late'))
      await server.calls.waitFor('slow')
      await p.proxy.close(100)
      const e = appError(await stuck)
      assert.equal(e?.type, AppX.INTERNAL_ERROR)
      assert.match(e?.message ?? '', /shutting down/)
      await c.closed
    } finally {
      p.proxy.destroy()
      await server.close()
    }
  })

  test('an idle connection closes at once when the drain starts', async () => {
    const server = await startInteropServer(dialect)
    const p = await startProxy(server.port)
    try {
      const c = await connectInteropClient(p.port, dialect)
      assert.equal(await c.add(1, 2), 3)
      await p.proxy.close(5_000)
      await c.closed
    } finally {
      p.proxy.destroy()
      await server.close()
    }
  })
})
