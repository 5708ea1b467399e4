// The redis helpers themselves: a private server's lifecycle, the shared URL, a small cluster.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import net from 'node:net'
import { Cluster, Redis } from 'ioredis'
import { sharedRedisUrl, startRedis, startRedisCluster, HOW_TO_GET_REDIS } from './redis.js'
import { redisCommand } from './redis-command.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('startRedis', () => {
  test('start, set/get, pause (no answer) and resume, restart (empty, same port), kill, restart after the kill', async () => {
    const r = await startRedis()
    try {
      assert.match(r.url, /^redis:\/\/127\.0\.0\.1:\d+$/)
      assert.equal(r.url, `redis://${r.host}:${r.port}`)
      assert.ok(alive(r.pid))
      assert.equal(await redisCommand(r.port, ['SET', 'k', 'v']), 'OK')

      r.pause()
      await assert.rejects(redisCommand(r.port, ['PING'], { timeoutMs: 150 }), /no reply/)
      const pending = redisCommand(r.port, ['GET', 'k'], { timeoutMs: 5000 })
      r.resume()
      assert.equal(await pending, 'v')

      const oldPid = r.pid
      const port = r.port
      await r.restart()
      assert.equal(r.port, port)
      assert.notEqual(r.pid, oldPid)
      assert.equal(alive(oldPid), false)
      assert.equal(await redisCommand(r.port, ['GET', 'k']), null, 'no persistence: restart loses data')

      const pid = r.pid
      await r.kill()
      assert.equal(alive(pid), false)
      await assert.rejects(redisCommand(r.port, ['PING'], { timeoutMs: 500 }))

      await r.restart() // after a crash: comes back on the same port
      assert.equal(await redisCommand(r.port, ['PING']), 'PONG')
    } finally {
      await r.stop()
    }
  })

  test('extra args are passed through; stop is graceful and idempotent; stop while paused works', async () => {
    const r = await startRedis({ args: ['--maxmemory', '7mb'] })
    const c = new Redis(r.url, { lazyConnect: true, maxRetriesPerRequest: 0 })
    await c.connect()
    assert.deepEqual(await c.config('GET', 'maxmemory'), ['maxmemory', String(7 * 1024 * 1024)])
    assert.deepEqual(await c.config('GET', 'appendonly'), ['appendonly', 'no'])
    assert.deepEqual(await c.config('GET', 'save'), ['save', ''])
    c.disconnect()
    const pid = r.pid
    r.pause()
    await r.stop()
    await r.stop()
    assert.equal(alive(pid), false)
  })

  test('a port that is taken fails clearly (after retries)', async () => {
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      await assert.rejects(startRedis({ port }), /Address already in use|exited during startup/)
    } finally {
      blocker.close()
    }
  })

  test('two private servers get different ports', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()])
    assert.notEqual(a.port, b.port)
    await Promise.all([a.stop(), b.stop()])
  })
})

describe('sharedRedisUrl', () => {
  test('answers PING, and is the same URL on every call', async () => {
    const url = await sharedRedisUrl()
    assert.equal(await sharedRedisUrl(), url)
    const c = new Redis(url, { maxRetriesPerRequest: 1 })
    assert.equal(await c.ping(), 'PONG')
    c.disconnect()
  })

  test('without redis-server on PATH and no REDIS_URL it throws saying how to get one', () => {
    const script = "import('./test/support/redis.ts').then((m) => m.sharedRedisUrl()).then(() => process.exit(0), (e) => { console.log(e.message); process.exit(3) })"
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, PATH: '/nonexistent', REDIS_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(r.status, 3, r.stderr)
    assert.match(r.stdout, /redis-server is not on PATH/)
    assert.ok(r.stdout.includes(HOW_TO_GET_REDIS))
    assert.equal(HOW_TO_GET_REDIS, 'apt-get install redis-server, or set REDIS_URL=redis://host:port')
  })

  test('REDIS_URL wins when set', async () => {
    const saved = process.env.REDIS_URL
    process.env.REDIS_URL = 'redis://127.0.0.1:1'
    try {
      assert.equal(await sharedRedisUrl(), 'redis://127.0.0.1:1')
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL
      else process.env.REDIS_URL = saved
    }
  })
})

describe('startRedisCluster', () => {
  test('three masters joined; ioredis Cluster sets and gets keys across slots', async () => {
    const cluster = await startRedisCluster(3)
    const c = new Cluster([...cluster.startupNodes])
    try {
      assert.equal(cluster.urls.length, 3)
      // Keys chosen to land on different masters; each command touches one key (no cross-slot).
      for (const k of ['a', 'b', 'c', 'user:1', 'user:2', '{tag}x']) await c.set(k, `v-${k}`)
      for (const k of ['a', 'b', 'c', 'user:1', 'user:2', '{tag}x']) assert.equal(await c.get(k), `v-${k}`)
      const masters = new Set<string>()
      for (const k of ['a', 'b', 'c', 'user:1', 'user:2']) {
        const slot = Number(await redisCommand(cluster.nodes[0]!.port, ['CLUSTER', 'KEYSLOT', k]))
        masters.add(String(Math.floor(slot / 5462)))
      }
      assert.ok(masters.size > 1, 'keys spread over several masters')
    } finally {
      c.disconnect()
      await cluster.stop()
    }
  })
})
