// Entities and per-method settings checked against the IDL.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertProblem, problemsOf } from './helpers.js'

const HEAD = 'upstream: 127.0.0.1:9091\nidl: [user.thrift]\nservices:\n  UserService:\n'

describe('entities and method settings vs the IDL', () => {
  test('entities need the IDL', () => {
    const ps = problemsOf('upstream: 127.0.0.1:9091\nservices:\n  UserService:\n    entities:\n      User: { get: getUser, key: id }\n')
    assertProblem(ps, 'services.UserService.entities.User', /need the IDL/)
  })

  test('unknown entity struct, key field, index field, lookup index', () => {
    let ps = problemsOf(`${HEAD}    entities:\n      Usr: { get: getUser, key: id }\n`)
    assertProblem(ps, 'services.UserService.entities.Usr', /struct "Usr" is not in the IDL \(did you mean "User"\?\)/)
    ps = problemsOf(`${HEAD}    entities:\n      User:\n        get: getUser\n        key: uid\n        indexes: { mail: {} }\n        lookups: { getUserByEmail: { index: email } }\n`)
    assertProblem(ps, 'services.UserService.entities.User.key', /no field of User "uid"/)
    assertProblem(ps, 'services.UserService.entities.User.indexes.mail', /no field of User "mail" \(did you mean "email"\?\)/)
    assertProblem(ps, 'services.UserService.entities.User.lookups.getUserByEmail.index', /no index "email" on User; indexes: mail/)
  })

  test('entity writes: the upsert argument must be the entity', () => {
    const ps = problemsOf(`${HEAD}    entities:\n      User:\n        get: getUser\n        key: id\n        writes: { deleteUser: { upsert: id } }\n`)
    assertProblem(ps, 'services.UserService.entities.User.writes.deleteUser.upsert', /argument "id" of deleteUser is not a User/)
  })

  test('oneway: listing a method that has a reply is an error with the IDL', () => {
    const ps = problemsOf(`${HEAD}    oneway: [getUser]\n`)
    assertProblem(ps, 'services.UserService.oneway[0]', /declares "getUser" with a reply/)
  })

  test('reads: a oneway method has nothing to cache; negative names a declared exception', () => {
    let ps = problemsOf(`${HEAD}    reads:\n      touch: { ttl: 5s }\n`)
    assertProblem(ps, 'services.UserService.reads.touch', /oneway/)
    ps = problemsOf(`${HEAD}    reads:\n      getUser: { ttl: 5s, negative: [missing], negativeTtl: 1s }\n`)
    assertProblem(ps, 'services.UserService.reads.getUser.negative[0]', /no declared exception of getUser "missing"; there are: notFound/)
  })

  test('a method both read and write; per-method timeout of an unknown method', () => {
    const ps = problemsOf(`${HEAD}    timeouts: { getUserz: 1s }\n    reads: { countUsers: { ttl: 1s } }\n    writes: { countUsers: { invalidates: [getUser] } }\n`)
    assertProblem(ps, 'services.UserService.timeouts.getUserz', /did you mean "getUser"/)
    assertProblem(ps, 'services.UserService.writes.countUsers', /also listed under reads/)
  })

  test('keep shorter than ttl + grace', () => {
    const ps = problemsOf(`${HEAD}    reads:\n      getUser: { ttl: 10s, grace: 5s, keep: 12s }\n`)
    assertProblem(ps, 'services.UserService.reads.getUser.keep', /at least ttl \+ grace/)
  })

  test('the invalidated read method must exist too', () => {
    const ps = problemsOf(`${HEAD}    writes:\n      putUser: { invalidates: ["getUsers(id: u.id)"] }\n`)
    assertProblem(ps, 'services.UserService.writes.putUser.invalidates[0]', /method "getUsers" is not in service UserService/)
    assert.ok(ps.length >= 1)
  })
})
