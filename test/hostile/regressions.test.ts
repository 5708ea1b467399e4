// Findings of the listener fuzzer, each pinned by a test named after it (RELIABILITY.md, "Fuzzing").
import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, test } from 'node:test'
import { MessageSplitter } from '../../proxy/codec/index.js'
import { connectUserClient } from '../support/thrift-clients.js'
import { i64 } from '../support/thrift-peers.js'
import { deliver } from './deliver.js'
import { captureSeeds, type Seed } from './seeds.js'
import { startTarget, type Target } from './target.js'

let target: Target
let seeds: Seed[]
before(async () => {
  seeds = await captureSeeds()
  target = await startTarget({ seed: 200, memoryTier: '4MiB', maxFrameSize: 1024 * 1024 })
})
after(async () => {
  await target.stop()
})

/** Sends `bytes` on a fresh connection, collects what comes back until `quietMs` of silence, closes. */
async function exchange(port: number, bytes: Buffer, quietMs: number): Promise<Buffer> {
  const s = net.connect(port, '127.0.0.1')
  const got: Buffer[] = []
  let last = Date.now()
  s.on('data', (d: Buffer) => {
    got.push(d)
    last = Date.now()
  })
  s.on('error', () => undefined)
  await new Promise<void>((resolve) => s.once('connect', () => resolve()))
  s.write(bytes)
  last = Date.now()
  while (Date.now() - last < quietMs && !s.destroyed) await new Promise((r) => setTimeout(r, 50))
  s.destroy()
  return Buffer.concat(got)
}

// Fuzz seed 20261127, batch 2, case 1: a framed deleteUser whose frame carried 365 KB after the
// args. The proxy forwards a frame whole; the demo upstream (the thrift library) then parsed the
// rest of the frame as ~36,000 more messages and wrote an exception for each, busy for seconds.
// The proxy must pass the client one answer for its one call, drop the rest, and keep serving.
test('frame-with-trailing-bytes: one call answered once, the upstream`s extra replies dropped, others served', async () => {
  const seed = seeds.find((s) => s.name === 'framed/binary getUser')
  assert.ok(seed !== undefined)
  const frame = Buffer.concat([seed.bytes, Buffer.alloc(16 * 1024)])
  frame.writeUInt32BE(frame.length - 4, 0)
  const back = await exchange(target.port, frame, 1500)
  const replies: number[] = []
  new MessageSplitter().push(back, (m) => replies.push(m.seqid))
  assert.deepEqual(replies, [seed.bytes.readUInt32BE(4 + 4 + 4 + 'getUser'.length)], 'exactly one answer, to the call sent')
  const c = await connectUserClient(target.port, { transport: 'framed', protocol: 'binary' })
  assert.equal((await c.getUser(i64(7n))).name.length > 0, true)
  await c.close()
  assert.equal(target.exit, undefined)
})

// Fuzz finding at ee2714c: a putUser whose args are cut short inside the frame (framed/binary, frame
// length consistent) makes the index's write-overlap tracking (WriteOverlap.begin, extractField)
// throw a CodecError out of its onCall; the core forwards the call, but logs "call handler failed" at
// error level with a stack, once per such message: any client can flood the error log. A malformed
// write should count as bad arguments, as lookups do (index_fallbacks_total{reason="bad_args"}).
// Fixed in 089ce75 (the index does not track a write whose key it cannot read).
test('truncated-write-args-log-handler-error: a cut-short putUser is no handler error', async () => {
  const seed = seeds.find((s) => s.name === 'framed/binary putUser')
  assert.ok(seed !== undefined)
  const cut = Buffer.from(seed.bytes.subarray(0, 60))
  cut.writeUInt32BE(cut.length - 4, 0)
  const before = target.problems.length
  await exchange(target.port, cut, 500)
  await new Promise((r) => setTimeout(r, 300))
  assert.deepEqual(target.problems.slice(before), [])
})

// Fuzz finding (pipelines of writes, --max-repeat above 20): connections that each pipeline 300
// valid putUser calls and hang up 250 ms later left another client's putUser with no answer at
// all for over 10 s, although the request timeout is 5 s: the write's reply was held for cache
// invalidation and for the index's maintenance with no deadline. Fixed when answers held for
// handlers got the call's deadline (the core's held-answer bound, commit 1421c20).
test('write-flood-starves-other-writers: a client`s write is answered within the request timeout while others flood writes', async () => {
  const put = seeds.findIndex((s) => s.name === 'framed/binary putUser')
  const c = await connectUserClient(target.port, { transport: 'framed', protocol: 'binary', callTimeoutMs: 8000 })
  let flooding = true
  const flood = (async () => {
    while (flooding) {
      await deliver(seeds, { messages: [{ seed: put, ops: [], fixLength: false, repeat: 300 }], delivery: { mode: 'whole' }, end: 'wait', oversize: false }, { port: target.port, maxFrameSize: 1024 * 1024, quietMs: 250, maxWaitMs: 3000 })
    }
  })()
  try {
    await new Promise((r) => setTimeout(r, 3000))
    // 5 s request timeout + 3 s: the answer is the user or the proxy's timeout exception, never silence.
    const t0 = Date.now()
    const outcome = await c.putUser({ id: i64(910_000n), name: 'steady', email: 'steady@example.org', age: 17, tags: [] }).then(
      () => 'answered',
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    )
    assert.doesNotMatch(outcome, /got no reply within/, `no answer after ${Date.now() - t0} ms`)
  } finally {
    flooding = false
    await flood
    await c.close()
  }
})
