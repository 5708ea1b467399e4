// The admin HTTP server: /metrics (subscribes to core events), /healthz, /readyz with a registry
// of readiness checks, and routes other folders add (purge, index).
export { AdminServer, sendJson, type AdminRoute, type AdminServerOptions } from './server.js'
export { ProxyMetrics, type MetricsOptions } from './metrics.js'
export { ReadinessRegistry, type CheckResult, type ReadinessCheck, type ReadinessReport } from './readiness.js'
export { upstreamCheck, tcpConnect, type TcpCheckOptions } from './upstream-check.js'
