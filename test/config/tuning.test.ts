// The proxy's own pool and the Redis tier's lease, wait, breaker and timeout keys: defaults, values,
// mistakes (each naming the path), and what check-config says about them.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DEFAULTS, explainConfig, parseDuration } from '../../proxy/config/index.js'
import { assertProblem, load, problemsOf } from './helpers.js'

const UP = 'upstream: 127.0.0.1:9091\n'
const REDIS = 'cache:\n  redis:\n    url: redis://127.0.0.1:6379/0\n'

describe('pool and Redis tuning keys', () => {
  test('defaults: the values the code used before these keys existed', () => {
    const c = load(`${UP}${REDIS}`)
    assert.deepEqual(c.pool, { size: 4, maxQueue: 1024, idleMs: 2000 })
    const r = c.cache.redis
    assert.ok(r)
    assert.equal(r.timeoutMs, 50)
    assert.equal(r.leaseMs, 5000)
    assert.equal(r.leaseWaitMs, 100)
    assert.equal(r.connectWaitMs, 2000)
    assert.deepEqual(r.breaker, { failures: 3, cooldownMs: 500 })
    assert.equal(parseDuration(DEFAULTS.cache.redis.lease), r.leaseMs)
  })

  test('values from the file, in duration format', () => {
    const c = load(
      `${UP}pool: { size: 2, maxQueue: 7, idleTimeout: 0s }\n${REDIS}    timeout: 20ms\n    lease: 1m30s\n    leaseWait: 0s\n    connectWait: 250ms\n    breaker: { failures: 9, cooldown: 2s }\n`,
    )
    assert.deepEqual(c.pool, { size: 2, maxQueue: 7, idleMs: 0 })
    assert.deepEqual(
      { ...c.cache.redis, url: undefined, keyPrefix: undefined },
      { url: undefined, keyPrefix: undefined, timeoutMs: 20, leaseMs: 90_000, leaseWaitMs: 0, connectWaitMs: 250, breaker: { failures: 9, cooldownMs: 2000 } },
    )
  })

  test('mistakes name the path and the problem', () => {
    const ps = problemsOf(`${UP}pool: { maxQueue: 0, idleTimeout: 2 }\n${REDIS}    lease: soon\n    breaker: { failures: 1.5, cooldwn: 1s }\n`)
    assertProblem(ps, 'pool.maxQueue', /whole number of at least 1; got 0/)
    assertProblem(ps, 'pool.idleTimeout', /expected a duration like "30s".*got 2/)
    assertProblem(ps, 'cache.redis.lease', /expected a duration.*got "soon"/)
    assertProblem(ps, 'cache.redis.breaker.failures', /whole number of at least 1; got 1.5/)
    assertProblem(ps, 'cache.redis.breaker.cooldwn', /unknown key \(did you mean "cooldown"\?\)/)
  })

  test('zero is refused where it would not mean "off"', () => {
    const ps = problemsOf(`${UP}${REDIS}    timeout: 0ms\n    lease: 0s\n    breaker: { cooldown: 0s }\n`)
    assertProblem(ps, 'cache.redis.timeout', /must be more than 0s \(every Redis operation would time out\); got "0ms"/)
    assertProblem(ps, 'cache.redis.lease', /must be more than 0s/)
    assertProblem(ps, 'cache.redis.breaker.cooldown', /must be more than 0s/)
  })

  test('check-config explains them', () => {
    const text = explainConfig(load(`${UP}pool: { maxQueue: 10 }\n${REDIS}    lease: 2s\n    breaker: { failures: 5 }\n`))
    assert.match(text, /upstream pool .*4 connection\(s\) per dialect, at most 10 calls waiting, idle connections closed after 2s/)
    assert.match(text, /refill leases hold 2s, other readers wait 100ms for them; the breaker opens after 5 failures in a row and probes every 500ms/)
  })
})
