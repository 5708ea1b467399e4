// One test per class of config mistake: each names the path and says what is wrong.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertProblem, problemsOf } from './helpers.js'

const UP = 'upstream: 127.0.0.1:9091\n'

describe('config mistakes', () => {
  test('unknown key: names the path, suggests the closest key', () => {
    const ps = problemsOf(`${UP}timeouts: { conect: 2s }\n`)
    assertProblem(ps, 'timeouts.conect', /unknown key \(did you mean "connect"\?\)/)
  })

  test('unknown key deep in a service', () => {
    const ps = problemsOf(`${UP}services:\n  UserService:\n    reads:\n      getUser: { ttl: 5s, tll: 5s }\n`)
    assertProblem(ps, 'services.UserService.reads.getUser.tll', /unknown key.*"ttl"/)
  })

  test('bad duration', () => {
    const ps = problemsOf(`${UP}services:\n  UserService:\n    reads:\n      getUser: { ttl: 30 }\n`)
    assertProblem(ps, 'services.UserService.reads.getUser.ttl', /expected a duration like "30s".*got 30/)
    assertProblem(problemsOf(`${UP}drain: { deadline: 5 minutes }\n`), 'drain.deadline', /expected a duration/)
  })

  test('bad size', () => {
    const ps = problemsOf(`${UP}cache: { memory: { maxBytes: 64 parsecs } }\n`)
    assertProblem(ps, 'cache.memory.maxBytes', /expected a size like "64MiB"/)
    assertProblem(problemsOf(`${UP}limits: { maxFrameSize: -1 }\n`), 'limits.maxFrameSize', /expected a size/)
  })

  test('bad host:port', () => {
    assertProblem(problemsOf('upstream: localhost\n'), 'upstream', /expected HOST:PORT/)
    assertProblem(problemsOf('upstream: 127.0.0.1:70000\n'), 'upstream', /port out of range/)
  })

  test('wrong type', () => {
    assertProblem(problemsOf(`${UP}limits: { maxConnections: many }\n`), 'limits.maxConnections', /whole number/)
    assertProblem(problemsOf(`${UP}idl: config/demo/user.thrift\n`), 'idl', /expected array; got "config/)
    assertProblem(problemsOf(`${UP}log: { level: loud }\n`), 'log.level', /expected one of trace, debug, info/)
  })

  test('missing upstream', () => {
    assertProblem(problemsOf('listen: 127.0.0.1:9090\n'), 'upstream', /is required.*--upstream.*THRIFTGATE_UPSTREAM/)
  })

  test('unknown method vs IDL: lists what exists and suggests', () => {
    const ps = problemsOf(`${UP}idl: [user.thrift]\nservices:\n  UserService:\n    reads:\n      getUsr: { ttl: 5s }\n`)
    assertProblem(ps, 'services.UserService.reads.getUsr', /not in service UserService \(did you mean "getUser"\?\); it has: getUser, getUserByEmail/)
  })

  test('unknown service, argument and field vs IDL', () => {
    assertProblem(problemsOf(`${UP}idl: [user.thrift]\nservices:\n  UsrService: {}\n`), 'services.UsrService', /not in the IDL.*"UserService"/)
    const ps = problemsOf(`${UP}idl: [user.thrift]\nservices:\n  UserService:\n    writes:\n      putUser: { invalidates: ["getUser(id: u.idd)"] }\n`)
    assertProblem(ps, 'services.UserService.writes.putUser.invalidates[0]', /no field "idd".*"id".*there are: id, name, email, age, tags/)
  })

  test('field names without IDL need the IDL; method names alone do not', () => {
    const ps = problemsOf(`${UP}services:\n  UserService:\n    writes:\n      putUser: { invalidates: ["getUser(id: u.id)", countUsers] }\n`)
    assertProblem(ps, 'services.UserService.writes.putUser.invalidates[0]', /need the IDL/)
    assert.equal(ps.filter((p) => p.path.endsWith('invalidates[1]')).length, 0)
  })

  test('bad invalidation expression syntax', () => {
    const ps = problemsOf(`${UP}idl: [user.thrift]\nservices:\n  UserService:\n    writes:\n      putUser: { invalidates: ["getUser(id u.id)"] }\n`)
    assertProblem(ps, 'services.UserService.writes.putUser.invalidates[0]', /expected ':' after "id" at column 12/)
  })

  test('YAML syntax error names the line', () => {
    const ps = problemsOf(`${UP}timeouts:\n  connect: 2s\n   request: [30s\n`)
    assert.equal(ps[0]?.path, '')
    assert.match(ps[0]?.problem ?? '', /^line \d+, column \d+: /)
    assertProblem(problemsOf(`${UP}upstream: 127.0.0.1:9092\n`), '', /line 2, column 1: Map keys must be unique/)
  })

  test('IDL syntax error names file:line', () => {
    const ps = problemsOf(`${UP}idl: [missing.thrift]\n`)
    assertProblem(ps, 'idl', /cannot read IDL file .*missing\.thrift/)
  })

  test('every problem is reported at once', () => {
    const ps = problemsOf('listen: nowhere\nadmin: 1.2.3.4\nlog: { level: 3 }\n')
    assert.deepEqual(ps.map((p) => p.path).sort(), ['admin', 'listen', 'log.level'])
  })

  test('a value from an env var or flag says where it came from', () => {
    const ps = problemsOf(UP, { env: { THRIFTGATE_LISTEN: 'nope' } })
    assertProblem(ps, 'listen', /\(from THRIFTGATE_LISTEN\)/)
  })
})
