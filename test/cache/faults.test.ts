// Redis paused (SIGSTOP), killed and restarted under load: no client call fails, and no read that
// starts after a write's reply returns an older value than that write (through the sidecar that
// wrote, with both tiers, and through a second, Redis-only sidecar).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sleep } from '../support/net.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { startUserServer, type DemoUpstream, type UserClient } from '../support/thrift-peers.js'
import { startStack, type Stack } from './harness.js'

const IDS = 12

function version(name: string): number {
  const m = /^v(\d+)$/.exec(name)
  return m === null ? -1 : Number(m[1])
}

describe('Redis faults under load', () => {
  let redis: RedisServer
  let upstream: DemoUpstream
  let a: Stack
  let b: Stack
  before(async () => {
    redis = await startRedis()
    upstream = await startUserServer({ seed: IDS, transport: 'framed', protocol: 'binary' })
    a = await startStack({ upstream, redisUrl: redis.url, keyPrefix: 'f:' })
    b = await startStack({ upstream, redisUrl: redis.url, keyPrefix: 'f:', memory: '0' })
  })
  after(async () => {
    await Promise.all([a.close(), b.close()])
    await upstream.close()
    await redis.stop()
  })

  test('pause, kill, restart: every call succeeds and no stale value is read after a write', async () => {
    const acked = new Array<number>(IDS + 1).fill(-1)
    const failures: unknown[] = []
    const stale: string[] = []
    let running = true
    let reads = 0
    let writes = 0

    const writer = async (c: UserClient): Promise<void> => {
      let n = 0
      while (running) {
        const id = 1 + (n % IDS)
        try {
          await c.putUser({ id, name: `v${n}`, email: `u${id}@example.com`, age: 30 })
          acked[id] = Math.max(acked[id] as number, n)
          writes++
        } catch (err) {
          failures.push(err)
        }
        n++
        await sleep(2)
      }
    }
    const reader = async (c: UserClient, who: string, seed: number): Promise<void> => {
      let i = seed
      while (running) {
        const id = 1 + (i++ % IDS)
        const floor = acked[id] as number
        try {
          const u = await c.getUser(id)
          reads++
          if (version(u.name) < floor) stale.push(`${who}: id ${id} read ${u.name} after v${floor} was acknowledged`)
        } catch (err) {
          failures.push(err)
        }
      }
    }
    const loops = [
      writer(await a.client()),
      reader(await a.client(), 'a1', 0),
      reader(await a.client(), 'a2', 5),
      reader(await b.client(), 'b1', 3),
    ]
    await sleep(300)
    redis.pause()
    await sleep(700)
    redis.resume()
    await sleep(400)
    await redis.kill()
    await sleep(400)
    await redis.restart()
    await sleep(1_200)
    running = false
    await Promise.all(loops)

    assert.deepEqual(failures, [])
    assert.deepEqual(stale, [])
    assert.ok(reads > 100 && writes > 20, `load ran (${reads} reads, ${writes} writes)`)
    assert.ok(a.cache.metrics.redisErrors + a.cache.metrics.redisTimeouts > 0, 'the faults were seen')
    // Redis is in use again, with every queued invalidation replayed
    for (let i = 0; i < 300 && !(a.cache.tiers.redis?.usable === true); i++) await sleep(10)
    assert.equal(a.cache.tiers.redis?.usable, true)
    assert.equal(a.cache.tiers.redis?.pending.size, 0)
  })
})
