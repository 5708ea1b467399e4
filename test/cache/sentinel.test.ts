// The shared tier behind Redis Sentinel (`redis+sentinel://host:port/masterName`): ioredis asks the
// sentinel for the master and the cache works through it as through a plain URL.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { freePort, waitForPort } from '../support/net.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { startUserServer, type DemoUpstream } from '../support/thrift-peers.js'
import { tempDir } from '../support/tmp.js'
import { startStack } from './harness.js'

describe('shared tier behind Redis Sentinel', () => {
  let master: RedisServer
  let sentinel: ChildProcess
  let sentinelPort: number
  let upstream: DemoUpstream
  before(async () => {
    master = await startRedis()
    const dir = tempDir('tg-sentinel-')
    sentinelPort = await freePort()
    const conf = join(dir.path, 'sentinel.conf')
    writeFileSync(conf, `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir.path}\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds mymaster 2000\n`)
    sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' })
    await waitForPort(sentinelPort, { timeoutMs: 5_000 })
    upstream = await startUserServer({ seed: 20, transport: 'framed', protocol: 'binary' })
  })
  after(async () => {
    sentinel.kill('SIGKILL')
    await upstream.close()
    await master.stop()
  })

  test('fills and hits through the master the sentinel names', async () => {
    const url = `redis+sentinel://127.0.0.1:${sentinelPort}/mymaster`
    const a = await startStack({ upstream, redisUrl: url, keyPrefix: 's:' })
    const b = await startStack({ upstream, redisUrl: url, keyPrefix: 's:', memory: '0' })
    try {
      const x = await (await a.client()).getUser(2)
      const cb = await b.client()
      assert.deepEqual(await cb.getUser(2), x)
      assert.equal(upstream.stats.calls.getUser, 1)
      assert.equal(b.cache.metrics.hitsRedis, 1)
      await (await a.client()).putUser({ id: 2, name: 'via-sentinel', email: 'x@example.com', age: 33 })
      assert.equal((await cb.getUser(2)).name, 'via-sentinel')
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})
