// The ACL SECURITY.md recommends for the shared tier (a user confined to thriftgate's keys and
// channel, the default user off) is enough for the whole cache: two sidecars share entries and the
// invalidation bus through it, and nothing fails. Real redis-server, real gateways, thrift clients.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Redis } from 'ioredis'
import { cacheOf } from '../../proxy/cache/index.js'
import { startGateway, type Gateway } from '../../proxy/cli/gateway.js'
import { createLogger } from '../../proxy/log/index.js'
import { load } from '../config/helpers.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { connectInteropClient, startInteropServer, type InteropServer } from '../support/thrift-peers.js'

const logger = createLogger({ level: 'silent' })
let upstream: InteropServer
let redis: RedisServer
const gateways: Gateway[] = []
before(async () => {
  upstream = await startInteropServer({ transport: 'framed', protocol: 'binary' })
  redis = await startRedis({ users: ['default off', 'thriftgate on >acl-pw ~tg:* ~thriftgate:index* &tg:* +@all'] })
})
after(async () => {
  for (const g of gateways) await g.shutdown('test')
  await upstream.close()
  await redis.stop()
})

async function sidecar(): Promise<Gateway> {
  const config = load(
    `upstream: 127.0.0.1:${upstream.port}\nlisten: 127.0.0.1:0\nadmin: 127.0.0.1:0\n` +
      `cache:\n  memory: { maxBytes: 0 }\n  redis: { url: "redis://127.0.0.1:${redis.port}/0", username: thriftgate, password: acl-pw, connectWait: 2s }\n` +
      'services:\n  ThriftTest:\n    reads:\n      echoString: { ttl: 30s }\n',
  )
  const gw = await startGateway(config, logger)
  gateways.push(gw)
  return gw
}

test('an ACL user confined to tg:* keys and channels serves the shared tier for two sidecars', async () => {
  const a = await sidecar()
  const b = await sidecar()
  const ca = cacheOf(a.proxy)
  const cb = cacheOf(b.proxy)
  assert.ok(ca !== undefined && cb !== undefined)
  assert.equal(ca.tiers.bus?.subscribed, true, 'subscribed to tg:invalidate under the ACL')
  assert.equal(cb.tiers.bus?.subscribed, true)
  const clientA = await connectInteropClient(a.listen.port, { transport: 'framed', protocol: 'binary' })
  const clientB = await connectInteropClient(b.listen.port, { transport: 'framed', protocol: 'binary' })
  try {
    assert.equal(await clientA.echoString('shared'), 'shared')
    // The fill is written to Redis after the reply: wait (bounded) until the entry is there, looking
    // with the same ACL user, before reading through B.
    const look = new Redis(`redis://thriftgate:acl-pw@127.0.0.1:${redis.port}/0`)
    try {
      let keys: string[] = []
      for (let i = 0; i < 200 && !keys.some((k) => k.includes('}d:')); i++) {
        keys = await look.keys('tg:*')
        if (!keys.some((k) => k.includes('}d:'))) await new Promise((r) => setTimeout(r, 20))
      }
      assert.ok(keys.length > 0, 'the entry reached Redis under the ACL user')
    } finally {
      look.disconnect()
    }
    assert.equal(await clientB.echoString('shared'), 'shared')
    assert.equal(cb.metrics.hitsRedis, 1, 'B answered from the entry A stored')
    assert.equal(ca.metrics.redisErrors + cb.metrics.redisErrors, 0)
    const ready = await (await fetch(`http://127.0.0.1:${b.adminAddress.port}/readyz`)).text()
    assert.match(ready, /"name":"redis","ok":true,"detail":"connected"/)
  } finally {
    await clientA.close()
    await clientB.close()
  }
})
