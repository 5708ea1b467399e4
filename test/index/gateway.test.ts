// The index as the gateway runs it (`thriftgate serve`/`demo`): the demo config (cache and index
// plugins, autoBackfill) in front of the demo upstream; getUserByEmail and listUsersByAge are
// answered from the index, and the admin endpoints, metrics and readiness report it.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { join, resolve } from 'node:path'
import { loadConfig } from '../../proxy/config/index.js'
import { createLogger } from '../../proxy/log/index.js'
import { startGateway } from '../../proxy/cli/gateway.js'
import { connectUserClient, startUserServer } from '../support/thrift-peers.js'
import { tempDir } from '../support/tmp.js'
import { plain } from './harness.js'

describe('index in the gateway (demo config)', () => {
  test('lookups answered from the index; stats, metrics and readiness say so', async () => {
    const upstream = await startUserServer({ seed: 500, transport: 'framed', protocol: 'binary' })
    const dir = tempDir('tg-index-gw-')
    const config = loadConfig({
      file: resolve('config/demo/thriftgate.yaml'),
      env: {},
      flags: [
        { path: ['upstream'], value: `127.0.0.1:${upstream.port}`, origin: 'test' },
        { path: ['listen'], value: '127.0.0.1:0', origin: 'test' },
        { path: ['admin'], value: '127.0.0.1:0', origin: 'test' },
        { path: ['index', 'path'], value: join(dir.path, 'index'), origin: 'test' },
      ],
    })
    const gw = await startGateway(config, createLogger({ level: 'silent' }))
    const admin = `http://127.0.0.1:${gw.adminAddress.port}`
    const c = await connectUserClient(gw.listen.port, { transport: 'framed', protocol: 'binary' })
    const d = await connectUserClient(upstream.port, { transport: 'framed', protocol: 'binary' })
    try {
      assert.ok(gw.plugins.includes('index'))
      type Stats = { entities: Array<{ authoritative: boolean; entities: number }>; metrics: { hits: { point: number; range: number } }; bytesOnDisk: number }
      let stats: Stats
      for (;;) {
        stats = (await (await fetch(`${admin}/index/stats`)).json()) as Stats
        if (stats.entities[0]!.authoritative) break
        await new Promise((r) => setTimeout(r, 50))
      }
      assert.equal(stats.entities[0]!.entities, 500)
      const before = { email: upstream.stats.calls.getUserByEmail, age: upstream.stats.calls.listUsersByAge }
      assert.deepEqual(plain(await c.getUserByEmail('user42@example.com')), plain(await d.getUserByEmail('user42@example.com')))
      assert.deepEqual(plain(await c.listUsersByAge(30, 31, 5)), plain(await d.listUsersByAge(30, 31, 5)))
      assert.equal(upstream.stats.calls.getUserByEmail - before.email, 1, 'only the direct call')
      assert.equal(upstream.stats.calls.listUsersByAge - before.age, 1, 'only the direct call')
      stats = (await (await fetch(`${admin}/index/stats`)).json()) as Stats
      assert.deepEqual(stats.metrics.hits, { point: 1, range: 1 })
      assert.ok(stats.bytesOnDisk > 0)
      const metrics = await (await fetch(`${admin}/metrics`)).text()
      assert.match(metrics, /thriftgate_index_hits_total\{kind="point"\} 1/)
      assert.match(metrics, /thriftgate_index_authoritative\{entity="User"\} 1/)
      // The memory the index holds, by part: the backfill's writes sit in the memtables, the point
      // lookup left its slot in the memo; the block cache reports RocksDB's own accounting.
      const part = (name: string): number => Number(new RegExp(`^thriftgate_index_memory_bytes\\{part="${name}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN)
      assert.ok(part('memtables') > 0, 'memtables')
      assert.ok(part('slot_cache') > 0, 'slot_cache')
      assert.ok(part('block_cache') >= 0 && part('table_readers') >= 0)
      const ready = await (await fetch(`${admin}/readyz`)).text()
      assert.match(ready, /index/)
      const got = (await (await fetch(`${admin}/index/get?entity=User&index=email&value=user42@example.com`)).json()) as { keys: string[] }
      assert.deepEqual(got.keys, ['42'])
    } finally {
      await Promise.all([c.close(), d.close()])
      await gw.shutdown('test done')
      await upstream.close()
    }
  })
})
