// Replies the index builds are byte for byte what the upstream (thrift library) sends for the same
// call: same envelope (bare name, the call's seqid, the client's strictness), same result struct, in
// every transport and protocol the client may speak.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { MessageSplitter, dialectOf, tv, type Message, type TStructValue } from '../../proxy/codec/index.js'
import { buildCall } from '../../proxy/index/calls.js'
import { rawConnect } from '../support/raw-tcp.js'
import { startIndexStack } from './harness.js'
import type { PeerTransport, PeerProtocol } from '../support/thrift-peers.js'

async function exchange(port: number, call: Buffer, transport: 'framed' | 'unframed' | 'header', protocol: PeerProtocol): Promise<Buffer> {
  const c = await rawConnect(port)
  try {
    await c.send(call)
    const got = await c.readUntil((b) => {
      let done = false
      new MessageSplitter({ transport, protocol }).push(b, () => (done = true))
      return done
    }, 5_000)
    return got
  } finally {
    c.destroy()
  }
}

function body(raw: Buffer, transport: 'framed' | 'unframed' | 'header', protocol: PeerProtocol): Buffer {
  let m: Message | undefined
  new MessageSplitter({ transport, protocol }).push(raw, (x) => (m = x))
  return m!.payload.subarray(m!.bodyOffset)
}

const calls: Array<[string, TStructValue]> = [
  ['getUserByEmail', tv.struct([tv.field(1, tv.string('user7@example.com'))])],
  ['getUserByEmail', tv.struct([tv.field(1, tv.string('user40@example.com'))])],
  ['listUsersByAge', tv.struct([tv.field(1, tv.i32(18)), tv.field(2, tv.i32(60)), tv.field(3, tv.i32(7))])],
  ['listUsersByAge', tv.struct([tv.field(1, tv.i32(30)), tv.field(2, tv.i32(35)), tv.field(3, tv.i32(0))])],
]

const dialects: Array<[PeerTransport, PeerProtocol, boolean]> = [
  ['framed', 'binary', true],
  ['framed', 'binary', false],
  ['framed', 'compact', true],
  ['buffered', 'binary', true],
  ['header', 'compact', true],
]

describe('index replies are byte-identical to the upstream’s', () => {
  for (const [transport, protocol, strict] of dialects) {
    test(`${transport}/${protocol}${strict ? '' : ' (non-strict)'}`, async () => {
      const s = await startIndexStack({ seed: 40, transport, protocol })
      try {
        await s.index.backfill('User', { dialect: dialectOf(transport === 'buffered' ? 'unframed' : transport, protocol, true) })
        const t = transport === 'buffered' ? 'unframed' : transport
        const d = dialectOf(t, protocol, strict)
        const hits = (): number => s.index.metrics.hits.point + s.index.metrics.hits.range
        const before = hits()
        let seqid = 1000
        for (const [method, args] of calls) {
          const m: Message = buildCall(d, method, args, seqid++)
          const fromUpstream = await exchange(s.upstream.port, m.raw, t, protocol)
          const fromProxy = await exchange(s.port, m.raw, t, protocol)
          if (strict) assert.deepEqual(fromProxy, fromUpstream, method)
          else {
            // The thrift library answers a non-strict call with a strict envelope; replies thriftgate
            // makes mirror the client's strictness (codec message-writer), so only the result struct
            // can be compared byte for byte here.
            assert.deepEqual(body(fromProxy, t, protocol), body(fromUpstream, t, protocol), method)
          }
        }
        assert.equal(hits() - before, calls.length, 'every reply came from the index')
      } finally {
        await s.close()
      }
    })
  }
})
