import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeApplicationException, encodeApplicationException } from '../../proxy/codec/app-exception.js'
import { TApplicationExceptionType } from '../../proxy/codec/types.js'
import { hex } from './hex.js'

describe('TApplicationException struct', () => {
  test('golden bytes: {1: string message, 2: i32 type}', () => {
    assert.deepEqual(
      encodeApplicationException('binary', 'boom', TApplicationExceptionType.INTERNAL_ERROR),
      hex('0b 0001 00000004 626f6f6d  08 0002 00000006  00'),
    )
    assert.deepEqual(encodeApplicationException('compact', 'boom', TApplicationExceptionType.INTERNAL_ERROR), hex('18 04 626f6f6d  15 0c  00'))
  })
  test('every standard type code round-trips in both protocols', () => {
    for (const p of ['binary', 'compact'] as const) {
      for (const [name, type] of Object.entries(TApplicationExceptionType)) {
        const msg = `failed: ${name} ✓`
        assert.deepEqual(decodeApplicationException(encodeApplicationException(p, msg, type), 0, p), { message: msg, type })
      }
    }
  })
  test('absent fields read as empty message and UNKNOWN; unexpected types and extra fields are skipped', () => {
    assert.deepEqual(decodeApplicationException(hex('00'), 0, 'binary'), { message: '', type: 0 })
    assert.deepEqual(
      decodeApplicationException(hex('08 0001 00000001  0b 0003 00000001 78  08 0002 00000007 00'), 0, 'binary'),
      { message: '', type: 7 },
    )
    assert.deepEqual(decodeApplicationException(hex('15 0c  18 01 78 00'), 0, 'compact'), { message: '', type: 0 })
  })
})
