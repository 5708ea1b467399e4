// How a call ends, as handlers see it: onSettled tells the handlers before the one that answered
// (and all of them for forwarded calls) how each call ended; the error for a call whose outcome is
// unknown leaves only after onFailure handlers finish, and a hung onFailure cannot keep it forever.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MessageType, replyFor, TApplicationExceptionType as AppX } from '../../proxy/codec/index.js'
import { subscribe, type CallEnd, type CallHandler, type HandlerErrorEvent } from '../../proxy/core/index.js'
import { connectInteropClient, startInteropServer } from '../support/thrift-peers.js'
import { sleep } from '../support/net.js'
import { rawConnect } from '../support/raw-tcp.js'
import { addArgs, appError, binaryAppException, callBytes, FRAMED_BINARY, i32Success, MessageReader, outcome, slowArgs, startProxy } from './harness.js'

const cleanup: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const f of cleanup.reverse()) await f()
})

async function setup(handlers: CallHandler[], methodTimeoutsMs: Record<string, number> = {}, requestTimeoutMs?: number) {
  const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
  cleanup.push(() => server.close())
  const p = await startProxy(server.port, { handlers, methodTimeoutsMs, requestTimeoutMs })
  cleanup.push(() => p.close())
  const c = await connectInteropClient(p.port, { transport: 'framed', protocol: 'binary' })
  cleanup.push(() => c.close())
  return { server, c }
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

function describeEnd(e: CallEnd): string {
  if (e.kind === 'answered') return `answered asUpstream=${e.asUpstream} bytes=${e.reply.reduce((n, b) => n + b.length, 0) > 0}`
  if (e.kind === 'replied') return `replied ${e.reply.name}`
  if (e.kind === 'failed' || e.kind === 'unsent') return `${e.kind} ${e.cause}`
  return e.kind
}

describe('onSettled', () => {
  test('handlers before the one that answered learn it; the answerer and those after it do not', async () => {
    const seen: string[] = []
    const watch = (name: string): CallHandler => ({
      onCall: () => undefined,
      onSettled: (ctx, end) => void seen.push(`${name} ${ctx.message.method}: ${describeEnd(end)}`),
    })
    const answerAdd = (async: boolean): CallHandler => ({
      answersAsUpstream: true,
      onCall: (ctx) => {
        if (ctx.message.method !== 'add') return undefined
        const r = replyFor(ctx.message, addResult(42), 'binary')
        return async ? sleep(10).then(() => r) : r
      },
      onSettled: () => void seen.push('the answerer was told'),
    })
    for (const async of [false, true]) {
      seen.length = 0
      const { c } = await setup([watch('first'), answerAdd(async), watch('after')])
      assert.equal(await c.add(1, 2), 42)
      assert.equal(await c.echoString('x'), 'x')
      assert.deepEqual(seen, [
        'first add: answered asUpstream=true bytes=true',
        'first echoString: replied echoString',
        'the answerer was told',
        'after echoString: replied echoString',
      ])
    }
  })

  test('a timed-out call settles as failed, after onFailure', async () => {
    const seen: string[] = []
    const h: CallHandler = {
      onFailure: (ctx, cause) => void seen.push(`onFailure ${cause}`),
      onSettled: (ctx, end) => void seen.push(`onSettled ${describeEnd(end)}`),
    }
    const { c } = await setup([h], { slow: 30 })
    assert.ok('error' in (await outcome(c.slow(300, 'x'))))
    assert.deepEqual(seen, ['onFailure timeout', 'onSettled failed timeout'])
  })
})

describe('unknown outcome', () => {
  test('the client gets its error only after onFailure handlers are done', async () => {
    const seen: string[] = []
    const slowInvalidation: CallHandler = {
      onFailure: async () => {
        seen.push('onFailure started')
        await sleep(150)
        seen.push('onFailure done')
      },
    }
    const { c } = await setup([slowInvalidation], { slow: 30 })
    const o = await outcome(c.slow(500, 'write'))
    seen.push('client got its error')
    assert.match(appError(o)?.message ?? '', /timed out/)
    assert.deepEqual(seen, ['onFailure started', 'onFailure done', 'client got its error'])
    assert.equal(await c.add(2, 2), 4, 'the connection carries on')
  })

  test('a hung onFailure delays the error by a bounded time (the default request timeout here), and is reported', async () => {
    const errors: HandlerErrorEvent[] = []
    cleanup.push(subscribe('handlerError', (e) => errors.push(e)))
    const hung: CallHandler = { onFailure: () => new Promise<void>(() => undefined) }
    const { c } = await setup([hung], { slow: 40 }, 150)
    const o = await outcome(c.slow(2_000, 'write'))
    assert.match(appError(o)?.message ?? '', /timed out after 40ms/)
    assert.deepEqual(
      errors.map((e) => `${e.stage} ${e.name}`),
      ['onFailure slow'],
    )
    assert.match((errors[0]?.error as Error).message, /still running after 150ms/)
  })

  test('closing after a protocol error sends the held error first, then PROTOCOL_ERROR, then the FIN', async () => {
    const seen: string[] = []
    const slowInvalidation: CallHandler = {
      onFailure: async (_ctx, cause) => {
        await sleep(100)
        seen.push(`onFailure done (${cause})`)
      },
    }
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { handlers: [slowInvalidation] })
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    cleanup.push(() => c.destroy())
    const r = new MessageReader(c, FRAMED_BINARY)
    await c.send(callBytes(FRAMED_BINARY, 'slow', 1, slowArgs(2_000, 'w')))
    await sleep(20) // the call is at the upstream
    await c.send(Buffer.from([0, 0, 0, 6, 0x80, 0x01, 0x00, 0x01, 0xff, 0xff]))
    const [first, second] = await r.take(2)
    seen.push('client got its answers')
    assert.equal(first?.seqid, 1)
    assert.equal(first?.type, MessageType.EXCEPTION)
    assert.match(binaryAppException(first!).message, /closing after a protocol error/)
    assert.equal(binaryAppException(second!).type, AppX.PROTOCOL_ERROR)
    await c.closed
    assert.deepEqual(seen, ['onFailure done (client protocol error)', 'client got its answers'])
  })

  test('answers held for handlers count against the in-flight cap: a pipelining client is parked, not queued without bound', async () => {
    let release: () => void = () => undefined
    const released = new Promise<void>((r) => (release = r))
    let holding = 0
    const hold: CallHandler = {
      onReply: () => {
        holding++
        return released
      },
    }
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { handlers: [hold], limits: { maxInFlightPerConnection: 2 } })
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    cleanup.push(() => c.destroy())
    await c.send(Buffer.concat([1, 2, 3, 4, 5, 6].map((i) => callBytes(FRAMED_BINARY, 'add', i, addArgs(i, i)))))
    while (holding < 2) await sleep(5)
    await sleep(50) // room for a wrong third call to reach the upstream
    assert.equal(server.calls.count('add'), 2, 'two replies held: no third call forwarded')
    release()
    const replies = await new MessageReader(c, FRAMED_BINARY).take(6)
    assert.deepEqual(
      replies.map((m) => i32Success(m)),
      [2, 4, 6, 8, 10, 12],
    )
  })
})
