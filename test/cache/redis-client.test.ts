import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { targetFromUrl } from '../../proxy/cache/redis-client.js'
import { maxEntryBytesFor } from '../../proxy/cache/thrift-cache.js'

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
