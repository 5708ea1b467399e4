import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { transcodePayload, transcodeStruct } from '../../proxy/codec/transcode.js'
import { canonicalValue } from '../../proxy/codec/canonical.js'
import { readStruct, writeStruct } from '../../proxy/codec/value-codec.js'
import { TType } from '../../proxy/codec/types.js'
import { tv } from '../../proxy/codec/value.js'
import { arbStruct, compactView } from './arbitraries.js'
import { hex } from './hex.js'

describe('transcode', () => {
  test('golden: binary <-> compact', () => {
    const binary = hex('08 0001 00000005  0b 0002 00000002 6869  02 0003 01  00')
    const compact = hex('15 0a  18 02 6869  11  00')
    assert.deepEqual(transcodeStruct(binary, 0, 'binary', 'compact'), compact)
    assert.deepEqual(transcodeStruct(compact, 0, 'compact', 'binary'), binary)
  })
  test('a whole message: envelope and body', () => {
    const binary = hex('80010001 00000004 70696e67 00000007  08 0001 00000005 00')
    const compact = hex('82 21 07 04 70696e67  15 0a 00')
    assert.deepEqual(transcodePayload(binary, 0, 'binary', 'compact'), compact)
    assert.deepEqual(transcodePayload(compact, 0, 'compact', 'binary'), binary)
    assert.deepEqual(transcodePayload(compact, 0, 'compact', 'binary', false), hex('00000004 70696e67 01 00000007  08 0001 00000005 00'))
  })
  test('same protocol: the struct bytes unchanged, as a view', () => {
    const buf = hex('ff 08 0001 00000005 00 ee')
    const out = transcodeStruct(buf, 1, 'binary', 'binary')
    assert.deepEqual(out, hex('08 0001 00000005 00'))
    assert.equal(out.buffer, buf.buffer)
  })
  test('-0.0 and NaN payloads keep their bits both ways', () => {
    const bits = [0x8000000000000000n, 0x7ff0000000000001n, 0xfff8000000abcdefn]
    const s = tv.struct([tv.field(1, tv.list(TType.DOUBLE, bits.map(tv.doubleBits))), tv.field(2, tv.doubleBits(0x7ff4000000000000n))])
    const b = writeStruct(s, 'binary')
    const c = transcodeStruct(b, 0, 'binary', 'compact')
    assert.deepEqual(readStruct(c, 0, 'compact').value, s)
    assert.deepEqual(transcodeStruct(c, 0, 'compact', 'binary'), b)
  })
  test('binary -> compact -> binary is identity on bytes for canonical-ordered input', () => {
    fc.assert(
      fc.property(arbStruct(3), (s) => {
        const canonical = canonicalValue(s)
        const compact = transcodeStruct(canonical, 0, 'binary', 'compact')
        assert.deepEqual(transcodeStruct(compact, 0, 'compact', 'binary'), canonical)
      }),
      { numRuns: 200 },
    )
  })
  test('streaming transcode gives exactly what the value tree gives', () => {
    fc.assert(
      fc.property(arbStruct(3), fc.constantFrom('binary' as const, 'compact' as const), (s, from) => {
        const to = from === 'binary' ? 'compact' : 'binary'
        const input = writeStruct(s, from)
        assert.deepEqual(transcodeStruct(input, 0, from, to), writeStruct(readStruct(input, 0, from).value, to))
      }),
      { numRuns: 200 },
    )
  })
  test('compact -> binary -> compact is identity on bytes for any input', () => {
    fc.assert(
      fc.property(arbStruct(3), (s) => {
        const compact = writeStruct(s, 'compact')
        const binary = transcodeStruct(compact, 0, 'compact', 'binary')
        assert.deepEqual(transcodeStruct(binary, 0, 'binary', 'compact'), compact)
        assert.deepEqual(readStruct(binary, 0, 'binary').value, compactView(s))
      }),
      { numRuns: 200 },
    )
  })
})
