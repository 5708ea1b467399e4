import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Backoff } from '../../proxy/core/index.js'

describe('Backoff', () => {
  test('doubles from initialMs up to maxMs while connects fail; a success resets it', () => {
    let now = 1_000
    const b = new Backoff({ initialMs: 100, maxMs: 350, factor: 2 }, () => now)
    assert.equal(b.blockedForMs(), 0)
    b.failed('connection refused')
    assert.equal(b.blockedForMs(), 100)
    assert.equal(b.cause, 'connection refused')
    now += 100
    assert.equal(b.blockedForMs(), 0, 'the next attempt is allowed once the delay has passed')
    b.failed('connection refused')
    assert.equal(b.currentDelayMs, 200)
    b.failed('connection refused')
    assert.equal(b.currentDelayMs, 350)
    b.failed('connection refused')
    assert.equal(b.currentDelayMs, 350)
    b.succeeded()
    assert.equal(b.blockedForMs(), 0)
    b.failed('reset')
    assert.equal(b.currentDelayMs, 100)
  })
})
