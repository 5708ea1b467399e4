import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  MessageSplitter,
  MessageType,
  UNREADABLE_RESULT,
  VOID_RESULT,
  dialectOf,
  encodeMessage,
  resultFieldId,
  type Message,
  type Protocol,
} from '../../proxy/codec/index.js'

/** A REPLY whose result struct is given in binary and written in `protocol` by the codec's writer. */
function reply(protocol: Protocol, resultBinary: number[]): Message {
  const out: Message[] = []
  const pieces = encodeMessage(dialectOf('framed', protocol, true), undefined, { name: 'm', type: MessageType.REPLY, seqid: 1 }, Buffer.from(resultBinary), 'binary')
  new MessageSplitter().push(Buffer.concat(pieces), (m) => out.push(m))
  return out[0]!
}

/** The same message with its payload cut right after the first byte of the result struct. */
function cut(m: Message): Message {
  return { ...m, payload: m.payload.subarray(0, m.bodyOffset + 1) }
}

describe('resultFieldId', () => {
  for (const protocol of ['binary', 'compact'] as const) {
    test(`${protocol}: success, void, declared exceptions (short and long compact form, negative ids)`, () => {
      assert.equal(resultFieldId(reply(protocol, [8, 0, 0, 0, 0, 0, 7, 0])), 0)
      assert.equal(resultFieldId(reply(protocol, [0])), VOID_RESULT)
      assert.equal(resultFieldId(reply(protocol, [12, 0, 1, 0, 0])), 1)
      assert.equal(resultFieldId(reply(protocol, [12, 0, 40, 0, 0])), 40) // compact: delta > 15, long form
      assert.equal(resultFieldId(reply(protocol, [12, 0xff, 0xff, 0, 0])), -1) // implicit (negative) field id
    })
  }

  test('a first field header cut short cannot be read', () => {
    assert.equal(resultFieldId(cut(reply('binary', [12, 0, 1, 0, 0]))), UNREADABLE_RESULT)
    assert.equal(resultFieldId(cut(reply('compact', [12, 0, 40, 0, 0]))), UNREADABLE_RESULT)
  })
})
