// The name cache must be invisible: whatever it holds, decodeName returns exactly what
// toString('utf8') returns for the same bytes (invalid UTF-8 included), and nameParts splits
// exactly like splitting afresh, including when slots collide and names are evicted.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { decodeName, nameParts } from '../../proxy/codec/name-cache.js'

function fresh(name: string): { service: string | undefined; method: string } {
  const i = name.indexOf(':')
  return i >= 0 ? { service: name.slice(0, i), method: name.slice(i + 1) } : { service: undefined, method: name }
}

describe('name cache', () => {
  test('property: same text as toString, at any offset, over many names (collisions, eviction)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 90 }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 600 }),
        fc.nat({ max: 7 }),
        (names, order, pad) => {
          for (const k of [...order, ...names.keys()]) {
            const bytes = names[k % names.length]!
            const buf = Buffer.concat([Buffer.alloc(pad, 0xee), bytes, Buffer.alloc(3, 0xee)])
            const got = decodeName(buf, pad, pad + bytes.length)
            assert.equal(got, Buffer.from(bytes).toString('utf8'))
            assert.deepEqual({ ...nameParts(got) }, fresh(got))
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  test('names that differ in one byte, same length, same sampled bytes', () => {
    const a = Buffer.from('UserService:getUserA')
    const b = Buffer.from('UserService:getUsxrA') // same length, first/middle/last bytes kept
    for (let i = 0; i < 3; i++) {
      assert.equal(decodeName(a, 0, a.length), 'UserService:getUserA')
      assert.equal(decodeName(b, 0, b.length), 'UserService:getUsxrA')
    }
    assert.equal(decodeName(a, 0, 0), '')
    const long = Buffer.from('x'.repeat(200) + ':y')
    assert.equal(decodeName(long, 0, long.length), long.toString())
    assert.deepEqual({ ...nameParts(decodeName(long, 0, long.length)) }, { service: 'x'.repeat(200), method: 'y' })
  })

  test('nameParts of a name that is not the last one decoded', () => {
    const a = Buffer.from('S:one')
    const n = decodeName(a, 0, a.length)
    decodeName(Buffer.from('other'), 0, 5)
    assert.deepEqual({ ...nameParts(n) }, { service: 'S', method: 'one' })
    assert.deepEqual({ ...nameParts('plain') }, { service: undefined, method: 'plain' })
  })
})
