// IDL loading: includes, namespaces, typedefs across files, extends, oneway, throws, auto ids;
// errors name file:line.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { IdlError, loadIdl } from '../../proxy/config/index.js'

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/idl/${name}`, import.meta.url))
const repo = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url))

describe('IDL loading', () => {
  test('the demo IDL: methods, args, throws, oneway', () => {
    const m = loadIdl([repo('config/demo/user.thrift')])
    const svc = m.services.get('UserService')
    assert.ok(svc)
    const getUser = svc.methods.get('getUser')
    assert.deepEqual(getUser?.args.map((a) => [a.id, a.name, a.type]), [[1, 'id', { kind: 'base', name: 'i64' }]])
    assert.deepEqual(getUser?.throws.map((t) => [t.id, t.name]), [[1, 'notFound']])
    assert.deepEqual(getUser?.returns, { kind: 'struct', name: 'User' })
    assert.equal(svc.methods.get('touch')?.oneway, true)
    assert.equal(svc.methods.get('deleteUser')?.returns, undefined)
    assert.deepEqual(m.structs.get('User')?.fields.map((f) => `${f.id}:${f.name}:${f.requiredness}`), [
      '1:id:default', '2:name:default', '3:email:default', '4:age:default', '5:tags:optional',
    ])
  })

  test('the interop IDL: every type, enums, two services', () => {
    const m = loadIdl([repo('test/idl/interop.thrift')])
    assert.deepEqual([...m.services.keys()], ['Interop', 'Second'])
    assert.deepEqual([...(m.enums.get('Color')?.values ?? [])], [['RED', 1], ['GREEN', 2], ['BLUE', 3]])
    const all = m.structs.get('AllTypes')
    assert.deepEqual(all?.fields.find((f) => f.name === 'mli')?.type, {
      kind: 'map', key: { kind: 'base', name: 'i32' }, value: { kind: 'list', elem: { kind: 'struct', name: 'Inner' } },
    })
    assert.equal(all?.fields.find((f) => f.name === 'farId')?.id, 200)
    assert.equal(m.services.get('Interop')?.methods.get('notify')?.oneway, true)
  })

  test('includes resolve relative to the including file; typedefs and extends cross files', () => {
    const m = loadIdl([fixture('main.thrift')])
    assert.equal(m.files.length, 2)
    const svc = m.services.get('Accounts')
    assert.equal(svc?.extends, 'shared.Base')
    assert.deepEqual([...(svc?.methods.keys() ?? [])], ['version', 'get', 'put', 'ping'])
    assert.equal(svc?.methods.get('version')?.declaredIn, 'shared.Base')
    const account = m.structs.get('Account')
    // AccountId -> shared.Id -> i64
    assert.deepEqual(account?.fields[0]?.type, { kind: 'base', name: 'i64' })
    assert.deepEqual(account?.fields[2]?.type, { kind: 'enum', name: 'shared.Level' })
    assert.deepEqual([...(m.enums.get('shared.Level')?.values ?? [])], [['LOW', 0], ['MID', 5], ['HIGH', 6]])
  })

  test('two files defining the same name: both qualified by their file, references follow', () => {
    const m = loadIdl([repo('config/demo/user.thrift'), repo('test/idl/interop.thrift')])
    assert.ok(m.structs.has('user.NotFound') && m.structs.has('interop.NotFound') && !m.structs.has('NotFound'))
    assert.deepEqual(m.services.get('UserService')?.methods.get('getUser')?.throws[0]?.type, { kind: 'struct', name: 'user.NotFound' })
    assert.deepEqual(m.services.get('Interop')?.methods.get('find')?.throws[0]?.type, { kind: 'struct', name: 'interop.NotFound' })
    assert.ok(m.structs.has('User'), 'unique names stay unqualified')
  })

  test('a syntax error names file:line', () => {
    assert.throws(
      () => loadIdl([fixture('broken.thrift')]),
      (e: unknown) => e instanceof IdlError && e.code === 'TG_ERR_IDL' && /broken\.thrift:7: /.test(e.message),
    )
  })

  test('an unknown type names file:line and the type', () => {
    assert.throws(() => loadIdl([fixture('unknown-type.thrift')]), /unknown-type\.thrift:2: unknown type 'Nowhere'/)
  })
})
