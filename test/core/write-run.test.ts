// WriteRun on a real loopback socket: the bytes that arrive are exactly the messages' bytes in
// order; adjacent views of one chunk leave as one write; a batch that needs more than one write
// corks the socket so that it still leaves together, and uncorks it at the end.
import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import { describe, test } from 'node:test'
import { WriteRun } from '../../proxy/core/write-run.js'

async function pair(): Promise<{ client: net.Socket; received: () => Promise<Buffer>; close: () => void }> {
  const got: Buffer[] = []
  let peer: net.Socket | undefined
  const server = net.createServer((s) => {
    peer = s
    s.on('data', (d: Buffer) => got.push(d))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1')
  await once(client, 'connect')
  return {
    client,
    received: async () => {
      client.end()
      while (peer === undefined) await new Promise((r) => setTimeout(r, 5))
      if (!peer.readableEnded) await once(peer, 'end')
      return Buffer.concat(got)
    },
    close: () => server.close(),
  }
}

/** Counts socket.write calls (the socket still writes). */
function countWrites(s: net.Socket): { writes: Buffer[] } {
  const seen = { writes: [] as Buffer[] }
  const orig = s.write.bind(s) as (b: Buffer) => boolean
  s.write = ((b: Buffer) => {
    seen.writes.push(b)
    return orig(b)
  }) as typeof s.write
  return seen
}

describe('WriteRun', () => {
  test('adjacent views of one chunk: one write, no cork', async () => {
    const { client, received, close } = await pair()
    const seen = countWrites(client)
    const run = new WriteRun(client)
    const chunk = Buffer.from('aaabbbbcc')
    run.begin()
    run.add(chunk.subarray(0, 3))
    run.add(chunk.subarray(3, 7))
    run.add(chunk.subarray(7))
    assert.equal(client.writableCorked, 0)
    run.end()
    assert.equal(seen.writes.length, 1)
    assert.equal(client.writableCorked, 0)
    assert.equal((await received()).toString(), 'aaabbbbcc')
    close()
  })

  test('a broken run and a write of another kind in a batch: corked until the end, bytes in order', async () => {
    const { client, received, close } = await pair()
    const run = new WriteRun(client)
    const one = Buffer.from('111222')
    const two = Buffer.from('333')
    run.begin()
    run.add(one.subarray(0, 3))
    run.add(two) // not adjacent: the first run leaves (corked)
    assert.equal(client.writableCorked, 1)
    run.add(one.subarray(3)) // not adjacent to `two`
    run.flush() // before a write of the owner's own
    client.write('!')
    run.add(two)
    run.end()
    assert.equal(client.writableCorked, 0)
    assert.equal((await received()).toString(), '111333222!333')
    close()
  })

  test('outside a batch, add then flush writes at once', async () => {
    const { client, received, close } = await pair()
    const run = new WriteRun(client)
    run.add(Buffer.from('xy'))
    run.flush()
    assert.equal(client.writableCorked, 0)
    run.flush() // nothing gathered: no write
    assert.equal((await received()).toString(), 'xy')
    close()
  })
})
