import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MessageSplitter, MessageType, dialectOf, encodeMessage, type Message, type Protocol } from '../../proxy/codec/index.js'
import { replyOutcome } from '../../proxy/core/index.js'

/** A REPLY whose result struct (binary bytes) is transcoded to `protocol` by the codec's writer. */
function reply(protocol: Protocol, resultBinary: number[], type: MessageType = MessageType.REPLY): Message {
  const d = dialectOf('framed', protocol, true)
  const out: Message[] = []
  new MessageSplitter().push(Buffer.concat(encodeMessage(d, undefined, { name: 'm', type, seqid: 1 }, Buffer.from(resultBinary), 'binary')), (m) =>
    out.push(m),
  )
  return out[0]!
}

describe('replyOutcome', () => {
  for (const protocol of ['binary', 'compact'] as const) {
    test(`${protocol}: field 0 or empty is success, another field a declared exception, EXCEPTION an application exception`, () => {
      assert.equal(replyOutcome(reply(protocol, [0])), 'success')
      assert.equal(replyOutcome(reply(protocol, [8, 0, 0, 0, 0, 0, 7, 0])), 'success')
      assert.equal(replyOutcome(reply(protocol, [12, 0, 1, 0, 0])), 'declared_exception')
      assert.equal(replyOutcome(reply(protocol, [12, 0, 20, 0, 0])), 'declared_exception')
      assert.equal(replyOutcome(reply(protocol, [11, 0, 1, 0, 0, 0, 0, 0], MessageType.EXCEPTION)), 'application_exception')
    })
  }
})
