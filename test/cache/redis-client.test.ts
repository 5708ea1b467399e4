import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, describe, test } from 'node:test'
import { createRedisClient, redisSecrets, targetFromUrl, type RedisTarget } from '../../proxy/cache/redis-client.js'
import type { RedisClient } from '../../proxy/cache/redis-tier.js'
import { maxEntryBytesFor } from '../../proxy/cache/thrift-cache.js'
import { startRedis, type RedisServer, type StartRedisOptions } from '../support/redis.js'
import { makeTestPki } from '../security/certs.js'

describe('Redis targets from config URLs', () => {
  test('one server, cluster seeds, sentinel with master name and db', () => {
    assert.deepEqual(targetFromUrl('redis://127.0.0.1:6379/0'), { kind: 'url', url: 'redis://127.0.0.1:6379/0' })
    assert.deepEqual(targetFromUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001'), {
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
    })
    assert.deepEqual(targetFromUrl('redis+sentinel://s1:26379,[::1]:26380/mymaster/2'), {
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      db: 2,
    })
  })

  test('bad URLs are clear errors', () => {
    assert.throws(() => targetFromUrl('redis+sentinel://s1:26379'), { code: 'TG_ERR_CACHE_BAD_REQUEST', message: /master name/ })
    assert.throws(() => targetFromUrl('redis+cluster://nohost,also'), { code: 'TG_ERR_CACHE_BAD_REQUEST' })
  })

  test('entry size bound follows the in-process bound', () => {
    assert.equal(maxEntryBytesFor(0), 1 << 20)
    assert.equal(maxEntryBytesFor(64 << 20), 8 << 20)
    assert.equal(maxEntryBytesFor(1 << 20), 128 << 10)
    assert.equal(maxEntryBytesFor(8 << 10), 64 << 10)
  })
})

// ---- AUTH and TLS against a real redis-server (requirepass, ACL users, TLS with a throwaway CA) ----

describe('Redis AUTH and TLS (real redis-server)', () => {
  const clients: RedisClient[] = []
  const servers: RedisServer[] = []
  after(async () => {
    for (const c of clients) c.disconnect()
    await Promise.all(servers.map((s) => s.stop()))
  })
  const client = (t: RedisTarget): RedisClient => {
    const c = createRedisClient(t)
    clients.push(c)
    return c
  }
  const server = async (o: StartRedisOptions): Promise<RedisServer> => {
    const s = await startRedis(o)
    servers.push(s)
    return s
  }
  /** SET then GET through the client: the connection is authenticated and usable. */
  const roundTrip = async (c: RedisClient): Promise<void> => {
    await once(c, 'ready')
    await c.set('tg:auth-test', 'ok')
    assert.equal(await c.get('tg:auth-test'), 'ok')
  }
  /** The first error the client reports (it keeps retrying; the test only needs what it says). */
  const firstError = (c: RedisClient): Promise<Error> => new Promise((resolve) => c.once('error', resolve))

  test('requirepass: the password from the URL or from the options (which wins over the URL)', async () => {
    const s = await server({ password: 's3cret-pw' })
    await roundTrip(client(targetFromUrl(`redis://:s3cret-pw@127.0.0.1:${s.port}`)))
    await roundTrip(client(targetFromUrl(`redis://:stale@127.0.0.1:${s.port}`, { password: 's3cret-pw' })))
    const wrong = client(targetFromUrl(`redis://127.0.0.1:${s.port}`, { password: 'nope' }))
    assert.match((await firstError(wrong)).message, /WRONGPASS|invalid password/)
  })

  test('ACL user: username and password; a wrong password or a disabled default user is refused', async () => {
    const s = await server({ users: ['default off', 'app on >app-pw ~tg:* +@all'] })
    await roundTrip(client(targetFromUrl(`redis://app:app-pw@127.0.0.1:${s.port}`)))
    await roundTrip(client(targetFromUrl(`redis://127.0.0.1:${s.port}`, { username: 'app', password: 'app-pw' })))
    const wrong = client(targetFromUrl(`redis://127.0.0.1:${s.port}`, { username: 'app', password: 'wrong' }))
    assert.match((await firstError(wrong)).message, /WRONGPASS/)
    // The ACL confines the user to tg:* keys: a key outside is refused by Redis, not by us.
    const app = client(targetFromUrl(`redis://127.0.0.1:${s.port}`, { username: 'app', password: 'app-pw' }))
    await once(app, 'ready')
    await assert.rejects(app.set('other:key', 'x'), /NOPERM/)
  })

  test('TLS: rediss:// with the CA verifies; an unknown CA is refused; mutual TLS needs the client certificate', async () => {
    const pki = makeTestPki()
    const tls = { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }
    const s = await server({ password: 'tls-pw', tls })
    const url = `rediss://:tls-pw@127.0.0.1:${s.tlsPort}`
    await roundTrip(client(targetFromUrl(url, { tls: { ca: pki.ca } })))
    // redis:// plus tls options turns TLS on too.
    await roundTrip(client(targetFromUrl(`redis://127.0.0.1:${s.tlsPort}`, { password: 'tls-pw', tls: { ca: pki.ca } })))
    const untrusted = client(targetFromUrl(url, { tls: { ca: pki.otherCa } }))
    assert.match((await firstError(untrusted)).message, /certificate/i)

    const m = await server({ password: 'tls-pw', tls: { ...tls, authClients: 'yes' } })
    const murl = `rediss://:tls-pw@127.0.0.1:${m.tlsPort}`
    await roundTrip(client(targetFromUrl(murl, { tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } })))
    const anonymous = client(targetFromUrl(murl, { tls: { ca: pki.ca } }))
    const err = await firstError(anonymous)
    assert.ok(err.message.length > 0, 'a client without a certificate is refused')
    assert.equal(anonymous.status === 'ready', false)
  })

  test('redisSecrets: the passwords a setting holds (URL and explicit), to be scrubbed from anything shown', () => {
    assert.deepEqual(redisSecrets('redis://u:p%40ss@h:1', { password: 'x' }), ['x', 'p%40ss', 'p@ss'])
    assert.deepEqual(redisSecrets('redis://h:1'), [])
  })
})
