// pool.* and cache.redis.* tuning keys reach the components a running gateway builds: the proxy's
// own pool (queue bound, idle close) and the cache's Redis tier, breaker and read path.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { cacheOf } from '../../proxy/cache/index.js'
import { startGateway } from '../../proxy/cli/gateway.js'
import { toProxyOptions } from '../../proxy/cli/proxy-options.js'
import { ProxyError } from '../../proxy/core/index.js'
import { createLogger } from '../../proxy/log/index.js'
import { load } from '../config/helpers.js'
import { FRAMED_BINARY, slowArgs, stringSuccess } from '../core/harness.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { startInteropServer, type InteropServer } from '../support/thrift-peers.js'

const logger = createLogger({ level: 'silent' })

describe('tuning keys reach the components', () => {
  let upstream: InteropServer
  let redis: RedisServer
  before(async () => {
    upstream = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    redis = await startRedis()
  })
  after(async () => {
    await upstream.close()
    await redis.stop()
  })

  test('pool keys map onto ProxyOptions', () => {
    const o = toProxyOptions(load('upstream: 127.0.0.1:1\npool: { size: 3, maxQueue: 5, idleTimeout: 750ms }\n'))
    assert.deepEqual(o.pool, { size: 3, maxQueue: 5, idleMs: 750 })
  })

  test('pool.maxQueue bounds the running pool; pool.idleTimeout closes idle connections', async () => {
    const config = load(`upstream: 127.0.0.1:${upstream.port}\nlisten: 127.0.0.1:0\nadmin: 127.0.0.1:0\npool: { size: 1, maxQueue: 1, idleTimeout: 50ms }\n`)
    const gw = await startGateway(config, logger, [])
    try {
      const call = (tag: string) => gw.proxy.pool.call({ dialect: FRAMED_BINARY, name: 'slow', body: slowArgs(200, tag) })
      const first = call('a')
      const queued = call('b')
      await assert.rejects(call('c'), (e: unknown) => e instanceof ProxyError && e.code === 'TG_ERR_POOL_FULL' && /1 calls waiting/.test(e.message))
      assert.equal(stringSuccess(await first), 'a')
      assert.equal(stringSuccess(await queued), 'b')
      // Closed after 50 ms idle (the default would hold it 2 s); bounded wait, no timing assertion.
      for (let i = 0; i < 100 && gw.proxy.pool.stats().connections > 0; i++) await new Promise((r) => setTimeout(r, 20))
      assert.equal(gw.proxy.pool.stats().connections, 0)
    } finally {
      await gw.shutdown('test')
    }
  })

  test('cache.redis lease, leaseWait, timeout and breaker reach the Redis tier and the read cache', async () => {
    const config = load(
      `upstream: 127.0.0.1:${upstream.port}\nlisten: 127.0.0.1:0\nadmin: 127.0.0.1:0\n` +
        `cache:\n  redis: { url: "${redis.url}", timeout: 75ms, lease: 3s, leaseWait: 40ms, connectWait: 1s, breaker: { failures: 7, cooldown: 1500ms } }\n` +
        'services:\n  ThriftTest:\n    reads:\n      echoString: { ttl: 5s }\n',
    )
    const gw = await startGateway(config, logger)
    try {
      const cache = cacheOf(gw.proxy)
      assert.ok(cache, 'the cache plugin started')
      const tier = cache.tiers.redis
      assert.ok(tier, 'with a Redis tier')
      assert.equal(tier.options.timeoutMs, 75)
      assert.equal(tier.options.leaseMs, 3000)
      assert.deepEqual(tier.breaker.options, { failureThreshold: 7, probeIntervalMs: 1500 })
      assert.equal(cache.handler.options.leaseWaitMs, 40)
    } finally {
      await gw.shutdown('test')
    }
  })
})
