import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MessageType, dialectOf, type Message } from '../../proxy/codec/index.js'
import { PendingCall, PendingTable } from '../../proxy/core/pending.js'

const d = dialectOf('framed', 'binary', true)
function call(seqid: number, name = 'm'): PendingCall {
  const m: Message = {
    raw: Buffer.alloc(0),
    payload: Buffer.alloc(0),
    dialect: d,
    header: undefined,
    type: MessageType.CALL,
    name,
    service: undefined,
    method: name,
    seqid,
    bodyOffset: 0,
  }
  return new PendingCall(m, 1, 0)
}

describe('PendingTable', () => {
  test('matches by seqid whatever the order of replies', () => {
    const t = new PendingTable()
    const a = call(1)
    const b = call(2)
    t.add(a)
    t.add(b)
    assert.equal(t.live, 2)
    assert.equal(t.take(2), b)
    assert.equal(t.take(1), a)
    assert.equal(t.take(1), undefined)
    assert.equal(t.live, 0)
  })

  test('a reused seqid is FIFO', () => {
    const t = new PendingTable()
    const calls = [call(7, 'first'), call(7, 'second'), call(7, 'third')]
    for (const c of calls) t.add(c)
    assert.deepEqual(
      [t.take(7), t.take(7), t.take(7)].map((c) => c?.message.name),
      ['first', 'second', 'third'],
    )
  })

  test('a timed-out call stays as a tombstone and absorbs its late reply', () => {
    const t = new PendingTable()
    const late = call(5, 'late')
    const next = call(5, 'next')
    t.add(late)
    t.markTimedOut(late)
    t.add(next)
    assert.equal(t.live, 1)
    assert.equal(t.tombstones, 1)
    assert.equal(t.take(5), late, 'the late reply consumes the tombstone')
    assert.equal(t.take(5), next)
    assert.equal(t.tombstones, 0)
  })

  test('expired() reports due calls and the next deadline; takeAll() drops tombstones', () => {
    const t = new PendingTable()
    const a = call(1)
    const b = call(2)
    const c = call(3)
    a.deadline = 10
    b.deadline = 30
    t.add(a)
    t.add(b)
    t.add(c)
    const { due, next } = t.expired(20)
    assert.deepEqual(due, [a])
    assert.equal(next, 30)
    t.markTimedOut(a)
    assert.deepEqual(t.takeAll(), [b, c])
    assert.equal(t.live + t.tombstones, 0)
  })
})
