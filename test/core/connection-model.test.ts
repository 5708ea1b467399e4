// Connection-level semantics: each client connection gets its own upstream connection, carrying
// exactly that client's bytes, opened when the client connects and closed when it leaves.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rawConnect, startRawServer, type RawConnection } from '../support/raw-tcp.js'
import { addArgs, callBytes, FRAMED_BINARY, startProxy } from './harness.js'

const cleanup: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const f of cleanup.reverse()) await f()
})

describe('connection model', () => {
  test('one upstream connection per client connection, each carrying only that client’s calls, byte for byte', async () => {
    const upstream = await startRawServer()
    cleanup.push(() => upstream.close())
    const p = await startProxy(upstream.port)
    cleanup.push(() => p.close())
    const clients: RawConnection[] = []
    const ups: RawConnection[] = []
    for (let i = 0; i < 3; i++) {
      const c = await rawConnect(p.port)
      cleanup.push(() => c.destroy())
      clients.push(c)
      // The proxy connects upstream when the client connects, before any byte is sent.
      ups.push(await upstream.connection(i))
    }
    assert.equal(p.proxy.stats().upstreamConnections, 3)
    const sent = clients.map((_, i) => Buffer.concat([callBytes(FRAMED_BINARY, 'add', 100 + i, addArgs(i, i)), callBytes(FRAMED_BINARY, `Second:hello`, -i, addArgs(0, i))]))
    // Interleave the clients' writes; each upstream connection must still see one client's bytes only.
    for (let i = 2; i >= 0; i--) await clients[i]!.send(sent[i]!)
    for (let i = 0; i < 3; i++) {
      const got = await ups[i]!.readUntil(sent[i]!.length)
      assert.ok(got.equals(sent[i]!), `upstream connection ${i} carries client ${i}'s bytes unchanged`)
    }
    clients[1]!.destroy()
    await ups[1]!.closed
    assert.equal(ups[0]!.isClosed, false)
    assert.equal(ups[2]!.isClosed, false)
  })
})
