// The CallHandler hook: answering locally, holding a reply until onReply resolves, async onCall
// keeping calls in client order, onFailure on an unknown outcome, and a throwing handler that
// leaves forwarding intact.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { replyFor } from '../../proxy/codec/index.js'
import { subscribe, type CallContext, type CallHandler, type HandlerErrorEvent } from '../../proxy/core/index.js'
import { connectInteropClient, startInteropServer, type PeerDialect } from '../support/thrift-peers.js'
import { sleep } from '../support/net.js'
import { rawConnect } from '../support/raw-tcp.js'
import { addArgs, callBytes, FRAMED_BINARY, MessageReader, outcome, slowArgs, startProxy } from './harness.js'

const cleanup: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const f of cleanup.reverse()) await f()
})

async function setup(d: PeerDialect, handlers: CallHandler[], opts: { methodTimeoutsMs?: Record<string, number> } = {}) {
  const server = await startInteropServer(d)
  cleanup.push(() => server.close())
  const p = await startProxy(server.port, { handlers, ...opts })
  cleanup.push(() => p.close())
  const c = await connectInteropClient(p.port, d)
  cleanup.push(() => c.close())
  return { server, p, c }
}

/** add's result struct {0: i32 success} in the binary protocol. */
function addResult(v: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeUInt8(8, 0)
  b.writeInt16BE(0, 1)
  b.writeInt32BE(v, 3)
  b.writeUInt8(0, 7)
  return b
}

describe('CallHandler', () => {
  for (const d of [
    { transport: 'framed', protocol: 'binary' },
    { transport: 'header', protocol: 'compact', multiplexed: true },
  ] as const) {
    test(`onCall answers locally (${d.transport}/${d.protocol}); the upstream never sees the call`, async () => {
      const local: CallHandler = {
        onCall: (ctx) => (ctx.message.method === 'add' ? replyFor(ctx.message, addResult(999), 'binary') : undefined),
      }
      const { server, c } = await setup(d, [local])
      assert.equal(await c.add(1, 2), 999)
      assert.equal(await c.echoString('forwarded'), 'forwarded')
      assert.equal(server.calls.count('add'), 0)
    })
  }

  test('onReply holds the reply until it resolves; the same context object follows the call', async () => {
    const seen: string[] = []
    const contexts = new Set<CallContext>()
    const delaying: CallHandler = {
      onCall: (ctx) => {
        contexts.add(ctx)
        return undefined
      },
      onReply: async (ctx, reply) => {
        assert.ok(contexts.has(ctx))
        seen.push(`onReply ${reply.name} seqid=${reply.seqid === ctx.message.seqid}`)
        await sleep(60)
        seen.push('released')
      },
    }
    const { c } = await setup({ transport: 'buffered', protocol: 'binary' }, [delaying])
    assert.equal(await c.echoString('held'), 'held')
    seen.push('client got it')
    assert.deepEqual(seen, ['onReply echoString seqid=true', 'released', 'client got it'])
  })

  test('a reply held by onReply is not overtaken by a later reply: the client sees the upstream order', async () => {
    const holdAdd: CallHandler = {
      onReply: async (ctx) => {
        if (ctx.message.method === 'add') await sleep(120)
      },
    }
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { handlers: [holdAdd] })
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    cleanup.push(() => c.destroy())
    // add answers at once, slow after 30 ms; add's reply is held 120 ms by its handler.
    await c.send(Buffer.concat([callBytes(FRAMED_BINARY, 'add', 1, addArgs(1, 1)), callBytes(FRAMED_BINARY, 'slow', 2, slowArgs(30, 's'))]))
    const replies = await new MessageReader(c, FRAMED_BINARY).take(2)
    assert.deepEqual(
      replies.map((m) => m.seqid),
      [1, 2],
    )
  })

  test('an async onCall keeps calls reaching the upstream in the order the client sent them', async () => {
    const slowLookup: CallHandler = {
      onCall: async (ctx) => {
        if (ctx.message.method === 'echoString') await sleep(40)
        return undefined
      },
    }
    const { server, c } = await setup({ transport: 'framed', protocol: 'compact' }, [slowLookup])
    const results = await Promise.all([c.echoString('first'), c.add(1, 2), c.echoString('third'), c.add(3, 4)])
    assert.deepEqual(results, ['first', 3, 'third', 7])
    assert.deepEqual(
      server.calls.all.map((x) => `${x.method}:${String(x.args[0])}`),
      ['echoString:first', 'add:1', 'echoString:third', 'add:3'],
    )
  })

  test('onFailure hears about a timed-out call (outcome unknown)', async () => {
    const failures: string[] = []
    const watcher: CallHandler = { onFailure: (ctx, cause) => void failures.push(`${ctx.message.method}: ${cause}`) }
    const { c } = await setup({ transport: 'framed', protocol: 'binary' }, [watcher], { methodTimeoutsMs: { slow: 30 } })
    const o = await outcome(c.slow(200, 'x'))
    assert.ok('error' in o)
    assert.deepEqual(failures, ['slow: timeout'])
  })

  test('a handler that throws is reported and skipped; the call is forwarded', async () => {
    const errors: HandlerErrorEvent[] = []
    const unsubscribe = subscribe('handlerError', (e) => errors.push(e))
    cleanup.push(unsubscribe)
    const broken: CallHandler = {
      onCall: () => {
        throw new Error('cache exploded')
      },
      onReply: () => Promise.reject(new Error('invalidation failed')),
    }
    const { c } = await setup({ transport: 'framed', protocol: 'binary' }, [broken])
    assert.equal(await c.add(2, 3), 5)
    assert.deepEqual(
      errors.map((e) => `${e.stage} ${e.name} ${(e.error as Error).message}`),
      ['onCall add cache exploded', 'onReply add invalidation failed'],
    )
  })
})
