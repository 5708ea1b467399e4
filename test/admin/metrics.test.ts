// Metrics from a real ThriftProxy in front of a real thrift server: counters fed by the core's
// events, gauges and byte totals read from stats() at scrape time.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ProxyMetrics } from '../../proxy/admin/index.js'
import { ThriftProxy } from '../../proxy/core/index.js'
import { connectInteropClient, startInteropServer, type InteropServer } from '../support/thrift-peers.js'

/** The value of one sample line, e.g. value(text, 'thriftgate_open_connections'). */
function value(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

describe('metrics', () => {
  let upstream: InteropServer
  let proxy: ThriftProxy
  let metrics: ProxyMetrics
  let port: number
  before(async () => {
    upstream = await startInteropServer({ transport: 'framed', protocol: 'compact' })
    proxy = new ThriftProxy({ upstream: { host: '127.0.0.1', port: upstream.port }, listen: { host: '127.0.0.1', port: 0 } })
    port = (await proxy.start()).port
    metrics = new ProxyMetrics({ stats: () => proxy.stats() })
  })
  after(async () => {
    metrics.close()
    await proxy.close(1000)
    await upstream.close()
  })

  test('requests by service/method/outcome, latency histogram, gauges, bytes', async () => {
    const client = await connectInteropClient(port, { transport: 'framed', protocol: 'compact' })
    assert.equal(await client.add(1, 2), 3)
    assert.equal(await client.add(3, 4), 7)
    await assert.rejects(client.find('missing-1'))
    await assert.rejects(client.fail(6))
    let text = (await metrics.scrape()).body
    assert.equal(value(text, 'thriftgate_requests_total{service="",method="add",outcome="success"}'), 2)
    assert.equal(value(text, 'thriftgate_requests_total{service="",method="find",outcome="declared_exception"}'), 1)
    assert.equal(value(text, 'thriftgate_requests_total{service="",method="fail",outcome="application_exception"}'), 1)
    assert.equal(value(text, 'thriftgate_request_duration_seconds_count{service="",method="add"}'), 2)
    assert.equal(value(text, 'thriftgate_open_connections'), 1)
    assert.equal(value(text, 'thriftgate_in_flight_requests'), 0)
    assert.ok((value(text, 'thriftgate_received_bytes_total') ?? 0) > 0)
    assert.ok((value(text, 'thriftgate_sent_bytes_total') ?? 0) > 0)
    assert.equal(value(text, 'thriftgate_connections_opened_total'), 1)
    assert.match(text, /# TYPE thriftgate_request_duration_seconds histogram/)
    assert.match(text, /process_cpu_user_seconds_total/, 'default process metrics are exposed too')
    await client.close()
    // The close event arrives when the proxy notices the client went away.
    for (let i = 0; i < 50 && value(text, 'thriftgate_open_connections') !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20))
      text = (await metrics.scrape()).body
    }
    assert.equal(value(text, 'thriftgate_open_connections'), 0)
    assert.equal(value(text, 'thriftgate_connections_closed_total{reason="client"}'), 1)
  })

  test('upstream errors by cause', async () => {
    const dead = new ThriftProxy({ upstream: { host: '127.0.0.1', port: 1 }, listen: { host: '127.0.0.1', port: 0 } })
    const deadPort = (await dead.start()).port
    try {
      const client = await connectInteropClient(deadPort, { transport: 'framed', protocol: 'binary' })
      await assert.rejects(client.add(1, 1))
      await client.close()
      const text = (await metrics.scrape()).body
      assert.ok((value(text, 'thriftgate_upstream_errors_total{cause="refused"}') ?? 0) >= 1, text)
      assert.equal(value(text, 'thriftgate_requests_total{service="",method="add",outcome="upstream_error"}'), 1)
    } finally {
      await dead.close(1000)
    }
  })

  test('method labels are bounded when there is no IDL', async () => {
    const bounded = new ProxyMetrics({ stats: () => undefined, processMetrics: false, maxMethodLabels: 1 })
    try {
      const client = await connectInteropClient(port, { transport: 'framed', protocol: 'compact' })
      await client.add(1, 1)
      await client.echoString('x')
      await client.close()
      const text = (await bounded.scrape()).body
      assert.equal(value(text, 'thriftgate_requests_total{service="",method="add",outcome="success"}'), 1)
      assert.equal(value(text, 'thriftgate_requests_total{service="__other__",method="__other__",outcome="success"}'), 1)
    } finally {
      bounded.close()
    }
  })

  test('no cost once closed: a closed ProxyMetrics stops counting', async () => {
    const m = new ProxyMetrics({ stats: () => undefined, processMetrics: false })
    m.close()
    const client = await connectInteropClient(port, { transport: 'framed', protocol: 'compact' })
    await client.add(2, 2)
    await client.close()
    assert.doesNotMatch((await m.scrape()).body, /thriftgate_requests_total\{/)
  })
})
