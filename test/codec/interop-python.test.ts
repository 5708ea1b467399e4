// Protocol-level interop with a second, independent implementation: Debian's python3-thrift
// (0.17), driven through fixtures/py-peer.py with a generic typed tree (no IDL). It confirms
// what the Node library cannot (its compact reader misreads bool elements), and that both
// encoders agree byte for byte. uuid is left out: python3-thrift 0.17 has no uuid.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { readStruct, writeStruct } from '../../proxy/codec/value-codec.js'
import { readEnvelope, writeEnvelope } from '../../proxy/codec/envelope.js'
import { MessageType, TType, type Protocol } from '../../proxy/codec/types.js'
import { tv, type TStructValue, type TValue } from '../../proxy/codec/value.js'
import { arbStruct, compactView } from './arbitraries.js'

// Debian's interpreter, where python3-thrift lives (a python3 earlier on PATH, e.g. pyenv's, lacks it).
const PYTHON = process.env.THRIFT_PYTHON ?? '/usr/bin/python3'
const script = fileURLToPath(new URL('./fixtures/py-peer.py', import.meta.url))

type Answer = { ok: unknown } | { error: string }

function python(requests: object[]): Answer[] {
  const r = spawnSync(PYTHON, [script], { input: requests.map((q) => JSON.stringify(q)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.status !== 0) {
    assert.fail(
      `python3-thrift peer failed (apt-get install python3-thrift, or set THRIFT_PYTHON to a python3 that has it): ${r.error?.message ?? ''}${r.stderr}`,
    )
  }
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Answer)
}

function ok(a: Answer | undefined): unknown {
  assert.ok(a !== undefined && 'ok' in a, `python peer: ${JSON.stringify(a)}`)
  return a.ok
}

/** Our value as the peer's JSON tree. */
function toJson(v: TValue): unknown {
  switch (v.type) {
    case TType.I64:
      return String(v.value)
    case TType.DOUBLE:
      return v.bits.toString(16).padStart(16, '0')
    case TType.STRING:
    case TType.UUID:
      return v.value.toString('hex')
    case TType.STRUCT:
      return v.value.map((f) => ({ id: f.id, type: f.type, value: toJson(f) }))
    case TType.LIST:
    case TType.SET:
      return { elemType: v.elemType, items: v.value.map((e) => ({ type: e.type, value: toJson(e) })) }
    case TType.MAP:
      return {
        keyType: v.keyType,
        valueType: v.valueType,
        entries: v.value.map((e) => [
          { type: e.key.type, value: toJson(e.key) },
          { type: e.value.type, value: toJson(e.value) },
        ]),
      }
    default:
      return v.value
  }
}

function hasUuid(v: TValue): boolean {
  switch (v.type) {
    case TType.UUID:
      return true
    case TType.STRUCT:
      return v.value.some(hasUuid)
    case TType.LIST:
    case TType.SET:
      return v.elemType === TType.UUID || v.value.some(hasUuid)
    case TType.MAP:
      return v.keyType === TType.UUID || v.valueType === TType.UUID || v.value.some((e) => hasUuid(e.key) || hasUuid(e.value))
    default:
      return false
  }
}

const structs = fc.sample(arbStruct(3).filter((s) => !hasUuid(s)), { numRuns: 120, seed: 7 })
const fixed = tv.struct([
  tv.field(1, tv.list(TType.BOOL, [tv.bool(true), tv.bool(false), tv.bool(true)])),
  tv.field(2, tv.map(TType.STRING, TType.BOOL, [{ key: tv.string('k'), value: tv.bool(false) }])),
  tv.field(3, tv.map(TType.I32, TType.I32, [])),
  tv.field(-5, tv.doubleBits(0x8000000000000000n)),
  tv.field(300, tv.i64(-(2n ** 63n))),
])
const cases: TStructValue[] = [fixed, ...structs]

describe('interop with python3-thrift (independent peer)', () => {
  for (const p of ['binary', 'compact'] as const) {
    test(`${p}: it decodes what we encode to the same values`, () => {
      const answers = python(cases.map((s) => ({ op: 'decode', protocol: p, hex: writeStruct(s, p).toString('hex') })))
      cases.forEach((s, i) => {
        const expected = p === 'compact' ? compactView(s) : s
        assert.deepEqual(ok(answers[i]), toJson(expected), `case ${i}`)
      })
    })
    test(`${p}: we decode what it encodes, and our encoder writes the same bytes`, () => {
      const answers = python(cases.map((s) => ({ op: 'encode', protocol: p, fields: toJson(s) })))
      cases.forEach((s, i) => {
        const bytes = Buffer.from(ok(answers[i]) as string, 'hex')
        const expected = p === 'compact' ? compactView(s) : s
        assert.deepEqual(readStruct(bytes, 0, p).value, expected, `case ${i}`)
        assert.deepEqual(bytes, writeStruct(s, p), `case ${i}`)
      })
    })
  }

  test('message envelopes both ways: strict and old binary headers, compact, negative seqids', () => {
    const envs: { p: Protocol; strict: boolean; name: string; type: MessageType; seqid: number }[] = [
      { p: 'binary', strict: true, name: 'Svc:get', type: MessageType.CALL, seqid: 1 },
      { p: 'binary', strict: false, name: 'get', type: MessageType.REPLY, seqid: -7 },
      { p: 'compact', strict: true, name: 'Svc:notify', type: MessageType.ONEWAY, seqid: -1 },
      { p: 'compact', strict: true, name: 'x', type: MessageType.EXCEPTION, seqid: 2 ** 31 - 1 },
    ]
    const reads = python(envs.map((e) => ({ op: 'readMessage', protocol: e.p, hex: writeEnvelope(e.p, e.strict, e.name, e.type, e.seqid).toString('hex') })))
    const writes = python(envs.map((e) => ({ op: 'writeMessage', protocol: e.p, strict: e.strict, name: e.name, type: e.type, seqid: e.seqid })))
    envs.forEach((e, i) => {
      assert.deepEqual(ok(reads[i]), [e.name, e.type, e.seqid])
      const theirs = Buffer.from(ok(writes[i]) as string, 'hex')
      assert.deepEqual(theirs, writeEnvelope(e.p, e.strict, e.name, e.type, e.seqid))
      const env = readEnvelope(Buffer.concat([theirs, Buffer.from([0])]), 0, e.p)
      assert.deepEqual([env.name, env.type, env.seqid, env.strict], [e.name, e.type, e.seqid, e.strict])
    })
  })
})
