// Test helper: golden vectors are written as spaced hex so they read like the spec diagrams.
import assert from 'node:assert/strict'
import { CodecError } from '../../proxy/codec/errors.js'

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex')
}

export function toHex(b: Buffer): string {
  return b.toString('hex').replace(/(..)(?!$)/g, '$1 ')
}

/** Asserts `fn` throws a CodecError with the given stable code. */
export function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CodecError, `expected CodecError, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    return true
  })
}
