// The config mapped onto the core's ProxyOptions.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { toProxyOptions } from '../../proxy/cli/proxy-options.js'
import { load } from '../config/helpers.js'

test('limits, timeouts and drain map onto ProxyOptions', () => {
  const o = toProxyOptions(load('upstream: 10.1.2.3:9091\nlisten: 0.0.0.0:9000\ntransport: framed\nlimits: { maxFrameSize: 1MiB, idleTimeout: 5m }\ndrain: { deadline: 7s }\n'))
  assert.deepEqual(o.upstream, { host: '10.1.2.3', port: 9091 })
  assert.deepEqual(o.listen, { host: '0.0.0.0', port: 9000 })
  assert.equal(o.transport, 'framed')
  assert.equal(o.limits?.maxMessageSize, 1024 * 1024)
  assert.equal(o.limits?.idleTimeoutMs, 300_000)
  assert.equal(o.drainDeadlineMs, 7000)
  assert.equal(o.connectTimeoutMs, 2000)
})

test('per-method timeouts and oneway: Service:method always, bare method unless services disagree', () => {
  const o = toProxyOptions(
    load(
      'upstream: 127.0.0.1:1\nservices:\n  A:\n    timeouts: { get: 1s, put: 3s }\n    oneway: [ping]\n  B:\n    timeouts: { get: 2s, put: 3s }\n',
    ),
  )
  assert.deepEqual(o.methodTimeoutsMs, { 'A:get': 1000, 'A:put': 3000, 'B:get': 2000, 'B:put': 3000, put: 3000 })
  assert.deepEqual([...(o.onewayMethods ?? [])].sort(), ['A:ping', 'ping'])
})

test('with the IDL, oneway methods come from it', () => {
  const o = toProxyOptions(load('upstream: 127.0.0.1:1\nidl: [user.thrift]\nservices:\n  UserService: {}\n'))
  assert.deepEqual([...(o.onewayMethods ?? [])].sort(), ['UserService:touch', 'touch'])
})

test('IDL oneway methods apply even to services the config does not list', () => {
  const o = toProxyOptions(load('upstream: 127.0.0.1:1\nidl: [user.thrift]\n'))
  assert.deepEqual([...(o.onewayMethods ?? [])].sort(), ['UserService:touch', 'touch'])
})
