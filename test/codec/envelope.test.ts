import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readEnvelope, splitName, tryReadEnvelope, writeEnvelope } from '../../proxy/codec/envelope.js'
import { CodecErrorCode } from '../../proxy/codec/errors.js'
import { MessageType, type Protocol } from '../../proxy/codec/types.js'
import { hex, throwsCode } from './hex.js'

// Golden vectors hand-written from doc/specs thrift-binary-protocol.md and thrift-compact-protocol.md.
const golden: { what: string; protocol: Protocol; strict: boolean; bytes: string; name: string; type: MessageType; seqid: number }[] = [
  { what: 'binary strict CALL', protocol: 'binary', strict: true, bytes: '80 01 00 01 00000004 70696e67 00000001', name: 'ping', type: 1, seqid: 1 },
  { what: 'binary strict ONEWAY, negative seqid', protocol: 'binary', strict: true, bytes: '80 01 00 04 00000001 61 ffffffff', name: 'a', type: 4, seqid: -1 },
  { what: 'binary old REPLY', protocol: 'binary', strict: false, bytes: '00000004 70696e67 02 00000007', name: 'ping', type: 2, seqid: 7 },
  { what: 'binary old EXCEPTION, empty name', protocol: 'binary', strict: false, bytes: '00000000 03 7fffffff', name: '', type: 3, seqid: 0x7fffffff },
  { what: 'compact CALL', protocol: 'compact', strict: true, bytes: '82 21 01 04 70696e67', name: 'ping', type: 1, seqid: 1 },
  { what: 'compact REPLY seqid 300', protocol: 'compact', strict: true, bytes: '82 41 ac02 01 78', name: 'x', type: 2, seqid: 300 },
  { what: 'compact EXCEPTION seqid -1 (plain varint: 5 bytes)', protocol: 'compact', strict: true, bytes: '82 61 ffffffff0f 00', name: '', type: 3, seqid: -1 },
  { what: 'compact ONEWAY multiplexed', protocol: 'compact', strict: true, bytes: '82 81 00 03 533a6d', name: 'S:m', type: 4, seqid: 0 },
]

describe('envelope golden vectors', () => {
  for (const g of golden) {
    test(g.what, () => {
      const body = hex('00')
      const buf = Buffer.concat([hex(g.bytes), body])
      const env = readEnvelope(buf, 0, g.protocol)
      assert.equal(env.name, g.name)
      assert.equal(env.type, g.type)
      assert.equal(env.seqid, g.seqid)
      assert.equal(env.strict, g.strict)
      assert.equal(env.bodyOffset, buf.length - 1)
      assert.equal(buf.toString('utf8', env.nameStart, env.nameEnd), g.name)
      const seqBytes = buf.subarray(env.seqidOffset, env.seqidOffset + env.seqidLength)
      if (g.protocol === 'binary') assert.equal(seqBytes.readInt32BE(0), g.seqid)
      assert.deepEqual(writeEnvelope(g.protocol, g.strict, g.name, g.type, g.seqid), hex(g.bytes))
    })
  }

  test('reads at a non-zero offset', () => {
    const buf = Buffer.concat([hex('ffff'), hex('82 21 01 04 70696e67 00')])
    const env = readEnvelope(buf, 2, 'compact')
    assert.equal(env.nameStart, 6)
    assert.equal(env.bodyOffset, 10)
  })
})

describe('tryReadEnvelope: every prefix needs more bytes, never throws', () => {
  for (const g of golden) {
    test(g.what, () => {
      const full = hex(g.bytes)
      for (let n = 0; n < full.length; n++) {
        assert.equal(tryReadEnvelope(full, 0, n, g.protocol), undefined, `prefix ${n}`)
        throwsCode(() => readEnvelope(full.subarray(0, n), 0, g.protocol), CodecErrorCode.TRUNCATED)
      }
      assert.equal(tryReadEnvelope(full, 0, full.length, g.protocol)?.seqid, g.seqid)
    })
  }
})

describe('bad envelopes', () => {
  test('binary version other than 0x8001', () => {
    throwsCode(() => readEnvelope(hex('80 02 00 01 00000000 00000000'), 0, 'binary'), CodecErrorCode.BAD_VERSION)
  })
  test('binary message type 0 and 5', () => {
    throwsCode(() => readEnvelope(hex('80 01 00 00 00000000 00000000'), 0, 'binary'), CodecErrorCode.BAD_VERSION)
    throwsCode(() => readEnvelope(hex('00000000 05 00000000'), 0, 'binary'), CodecErrorCode.BAD_VERSION)
  })
  test('compact protocol id, version, type', () => {
    throwsCode(() => readEnvelope(hex('81 21 00 00'), 0, 'compact'), CodecErrorCode.BAD_VERSION)
    throwsCode(() => readEnvelope(hex('82 22 00 00'), 0, 'compact'), CodecErrorCode.BAD_VERSION)
    throwsCode(() => readEnvelope(hex('82 01 00 00'), 0, 'compact'), CodecErrorCode.BAD_VERSION)
    throwsCode(() => readEnvelope(hex('82 a1 00 00'), 0, 'compact'), CodecErrorCode.BAD_VERSION)
  })
  test('negative name length', () => {
    throwsCode(() => readEnvelope(hex('80 01 00 01 ffffffff 00000000'), 0, 'binary'), CodecErrorCode.NEGATIVE_SIZE)
    throwsCode(() => readEnvelope(hex('82 21 00 ffffffff0f'), 0, 'compact'), CodecErrorCode.NEGATIVE_SIZE)
  })
  test('a huge name fails fast instead of waiting for bytes', () => {
    // "POST" read as an old-style binary name length: 1.3 GB.
    throwsCode(() => tryReadEnvelope(Buffer.from('POST / HTTP/1.1'), 0, 15, 'binary'), CodecErrorCode.SIZE_LIMIT)
    throwsCode(() => tryReadEnvelope(hex('82 21 00 ffffff7f'), 0, 7, 'compact', 1000), CodecErrorCode.SIZE_LIMIT)
  })
  test('over-long varint', () => {
    throwsCode(() => tryReadEnvelope(hex('82 21 8080808080 00'), 0, 8, 'compact'), CodecErrorCode.INVALID_DATA)
  })
})

describe('splitName', () => {
  test('CALL and ONEWAY split at the first colon', () => {
    assert.deepEqual(splitName('Svc:get:x', MessageType.CALL), { service: 'Svc', method: 'get:x' })
    assert.deepEqual(splitName('Svc:n', MessageType.ONEWAY), { service: 'Svc', method: 'n' })
    assert.deepEqual(splitName('plain', MessageType.CALL), { service: undefined, method: 'plain' })
  })
  test('replies and exceptions carry the bare name', () => {
    assert.deepEqual(splitName('a:b', MessageType.REPLY), { service: undefined, method: 'a:b' })
    assert.deepEqual(splitName('a:b', MessageType.EXCEPTION), { service: undefined, method: 'a:b' })
  })
})
