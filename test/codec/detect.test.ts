import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { CodecErrorCode, detectDialect } from '../../proxy/codec/index.js'
import { PIPELINE } from './splitter-cases.js'
import { LIB_PROTOCOLS, LIB_TRANSPORTS, libMessage } from './transport-fixtures.js'

const MAX = 16_384_000

describe('detectDialect', () => {
  for (const t of LIB_TRANSPORTS) {
    for (const p of LIB_PROTOCOLS) {
      if (t === 'header' && p === 'binary-nonstrict') continue
      test(`${t} ${p}: every prefix is "need more" or the right answer`, () => {
        const want = {
          transport: t,
          protocol: p === 'compact' ? 'compact' : 'binary',
          strict: t === 'header' || p !== 'binary-nonstrict',
        }
        for (const spec of PIPELINE) {
          const m = libMessage(t, p, spec)
          let decidedAt = -1
          for (let n = 0; n <= m.length; n++) {
            const d = detectDialect(m, 0, n, MAX)
            if (d !== undefined) {
              assert.deepEqual(d, want, `prefix of ${n}`)
              if (decidedAt < 0) decidedAt = n
            } else {
              assert.ok(decidedAt < 0, 'once decided, more bytes do not undecide')
            }
          }
          assert.ok(decidedAt > 0, 'decided within the first message')
        }
      })
    }
  }

  test('non-strict edge cases: empty name, UTF-8 name, name that looks like a length', () => {
    const empty = Buffer.from('00000000' + '01' + '00000001' + '00', 'hex')
    assert.deepEqual(detectDialect(empty, 0, empty.length, MAX), { transport: 'unframed', protocol: 'binary', strict: false })
    const framedEmpty = Buffer.concat([Buffer.from('0000000a', 'hex'), empty])
    assert.deepEqual(detectDialect(framedEmpty, 0, framedEmpty.length, MAX), { transport: 'framed', protocol: 'binary', strict: false })
    const utf8 = libMessage('unframed', 'binary-nonstrict', { ...PIPELINE[0]!, name: 'méthode' })
    assert.equal(detectDialect(utf8, 0, utf8.length, MAX)?.transport, 'unframed')
  })

  test('garbage is UNKNOWN_PROTOCOL, and soon', () => {
    for (const g of ['GET / HTTP/1.1\r\n\r\n', 'PRI * HTTP/2.0\r\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 'SSH-2.0-OpenSSH_9\r\n', '*1\r\n$4\r\nPING\r\n']) {
      const b = Buffer.from(g, 'latin1')
      assert.throws(() => detectDialect(b, 0, b.length, MAX), (e: { code?: string }) => e.code === CodecErrorCode.UNKNOWN_PROTOCOL, g)
    }
    assert.throws(() => detectDialect(Buffer.from('80020001', 'hex'), 0, 4, MAX), /first bytes 80020001/)
  })

  test('property: any bytes either need more, decide, or throw UNKNOWN_PROTOCOL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (a) => {
        const b = Buffer.from(a)
        try {
          detectDialect(b, 0, b.length, MAX)
        } catch (e) {
          assert.equal((e as { code?: string }).code, CodecErrorCode.UNKNOWN_PROTOCOL)
        }
      }),
      { numRuns: 5000 },
    )
  })
})
