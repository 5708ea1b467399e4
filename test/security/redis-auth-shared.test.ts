// The index's replication stream shares the cache's Redis by default: it must use the same
// credentials and TLS (a password given through THRIFTGATE_REDIS_PASSWORD, not in the URL, would
// otherwise leave replication unauthenticated). Checked against a real requirepass redis-server.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Redis } from 'ioredis'
import { loadConfig } from '../../proxy/config/index.js'
import { indexOptionsFromConfig } from '../../proxy/index/from-config.js'
import { startRedis } from '../support/redis.js'
import { tempDir } from '../support/tmp.js'
import { ENTITIES, IDL } from '../index/harness.js'

const servers: Array<{ stop(): Promise<void> }> = []
after(async () => {
  for (const s of servers) await s.stop()
})

test("index replication on the cache's Redis authenticates with cache.redis.password", async () => {
  const redis = await startRedis({ password: 'shared-pw' })
  servers.push(redis)
  const file = join(tempDir('thriftgate-repl-').path, 'c.yaml')
  writeFileSync(
    file,
    `upstream: 127.0.0.1:1\nidl: [${IDL}]\ncache: { redis: { url: "redis://127.0.0.1:${redis.port}/0" } }\n` +
      `index: { path: ./ix, replication: {} }\nservices:\n  UserService:\n${ENTITIES}`,
  )
  const config = loadConfig({ file, env: { THRIFTGATE_REDIS_PASSWORD: 'shared-pw' } })
  const o = indexOptionsFromConfig(config, { upstream: async () => Promise.reject(new Error('not used')) })
  const rep = o?.replication
  assert.ok(rep !== undefined)
  assert.equal(rep.url.includes('shared-pw'), false)
  const c = new Redis(rep.url, { ...rep.redisOptions, lazyConnect: true, maxRetriesPerRequest: 0 })
  c.on('error', () => undefined)
  try {
    await c.connect()
    assert.equal(await c.ping(), 'PONG')
  } finally {
    c.disconnect()
  }
})
