import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CodecErrorCode, checkFrameLength, framePrefix, readFrameLength, writeFramed } from '../../proxy/codec/index.js'
import { PIPELINE } from './splitter-cases.js'
import { LIB_PROTOCOLS, libMessage } from './transport-fixtures.js'

test('writeFramed: the same bytes as the library TFramedTransport, pieces not copied', () => {
  for (const p of LIB_PROTOCOLS) {
    for (const spec of PIPELINE) {
      const payload = libMessage('unframed', p, spec)
      const head = payload.subarray(0, 5)
      const rest = payload.subarray(5)
      const pieces = writeFramed([head, rest])
      assert.equal(pieces[1], head)
      assert.equal(pieces[2], rest)
      assert.deepEqual(Buffer.concat(pieces), libMessage('framed', p, spec))
    }
  }
})

test('golden: length prefix is i32 big-endian, not counting itself', () => {
  assert.equal(framePrefix(0x0102).toString('hex'), '00000102')
  assert.equal(Buffer.concat(writeFramed([Buffer.from('abc')])).toString('hex'), '00000003616263')
  assert.equal(readFrameLength(Buffer.from('0000010200', 'hex'), 0, 1000), 0x0102)
})

test('limits: negative and oversized lengths fail from the 4 bytes alone', () => {
  assert.throws(() => readFrameLength(Buffer.from('ffffffff', 'hex'), 0, 100), { code: CodecErrorCode.NEGATIVE_SIZE })
  assert.throws(() => readFrameLength(Buffer.from('00000065', 'hex'), 0, 100), { code: CodecErrorCode.FRAME_TOO_LARGE })
  assert.equal(checkFrameLength(100, 100), 100)
  assert.throws(() => checkFrameLength(16_384_001, 16_384_000), /exceeds the maximum message size 16384000/)
})
