// Findings of the listener fuzzer, each pinned by a test named after it (RELIABILITY.md, "Fuzzing").
import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, test } from 'node:test'
import { MessageSplitter } from '../../proxy/codec/index.js'
import { connectUserClient } from '../support/thrift-clients.js'
import { i64 } from '../support/thrift-peers.js'
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
