// The shared tier on a real local Redis Cluster (three `redis-server --cluster-enabled yes` joined
// with `redis-cli --cluster create`): every script and multi-key command stays within one slot
// thanks to the hash tags, entries spread over nodes, and invalidation works across sidecars.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import { startRedisCluster, type RedisCluster } from '../support/redis.js'
import { startUserServer, type DemoUpstream } from '../support/thrift-peers.js'
import { startStack, type Stack } from './harness.js'

describe('shared tier on Redis Cluster', () => {
  let cluster: RedisCluster
  let upstream: DemoUpstream
  let a: Stack
  let b: Stack
  before(async () => {
    cluster = await startRedisCluster(3)
    upstream = await startUserServer({ seed: 64, transport: 'framed', protocol: 'binary' })
    // Through the config, as a user writes it: redis+cluster://seed1,seed2,...
    const redisUrl = `redis+cluster://${cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(',')}`
    a = await startStack({ upstream, redisUrl, keyPrefix: 'c:' })
    b = await startStack({ upstream, redisUrl, keyPrefix: 'c:', memory: '0' })
  })
  after(async () => {
    await Promise.all([a.close(), b.close()])
    await upstream.close()
    await cluster.stop()
  })

  test('fills, Redis hits, targeted and method-wide invalidation across sidecars', async () => {
    const ca = await a.client()
    const cb = await b.client()
    for (let id = 1; id <= 64; id++) await ca.getUser(id)
    const before = upstream.stats.calls.getUser
    for (let id = 1; id <= 64; id++) await cb.getUser(id)
    assert.equal(upstream.stats.calls.getUser, before, 'all 64 served from the cluster')
    assert.equal(b.cache.metrics.hitsRedis, 64)
    // entries are spread over the nodes (16 hash-tag buckets per method on a cluster)
    let nodesWithEntries = 0
    for (const url of cluster.urls) {
      const node = new Redis(url)
      if ((await node.dbsize()) > 0) nodesWithEntries++
      node.disconnect()
    }
    assert.ok(nodesWithEntries >= 2, `entries on ${nodesWithEntries} of 3 nodes`)

    await ca.putUser({ id: 5, name: 'changed', email: 'c@example.com', age: 50 })
    assert.equal((await cb.getUser(5)).name, 'changed')
    const n = Number(String(await cb.countUsers()))
    await ca.putUser({ id: 500, name: 'new', email: 'n@example.com', age: 50 })
    assert.equal(Number(String(await cb.countUsers())), n + 1)
    assert.equal(a.cache.metrics.redisErrors, 0)
    assert.equal(b.cache.metrics.redisErrors, 0)
  })
})
