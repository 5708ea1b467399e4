// What the injected sidecar looks like, and how a pod may adjust it through `thriftgate.io/*` annotations.
// The operator (webhook flags, `thriftgate inject` flags) sets the defaults; pods may only pick their config,
// upstream, ports and sidecar mode, never the image, so a workload cannot make the webhook run arbitrary code.
import { K8sError, K8sErrorCode } from './errors.js'
import type { ObjectMeta } from './types.js'

export const Annotation = {
  /** Label or annotation, "true" asks for the sidecar, "false" refuses it (wins over a namespace opt-in). */
  INJECT: 'thriftgate.io/inject',
  /** Name of the ConfigMap (same namespace) whose `thriftgate.yaml` key is the proxy's config file. */
  CONFIG: 'thriftgate.io/config',
  /** "native" (init container with restartPolicy Always, Kubernetes >= 1.29) or "legacy" (regular container). */
  MODE: 'thriftgate.io/sidecar-mode',
  /** Port the proxy listens on in the pod (overrides the config file's `listen` through THRIFTGATE_LISTEN). */
  PORT: 'thriftgate.io/port',
  /** Admin port: /metrics, /healthz, /readyz (THRIFTGATE_ADMIN). */
  ADMIN_PORT: 'thriftgate.io/admin-port',
  /** host:port the proxy forwards to (THRIFTGATE_UPSTREAM); absent, the config file's `upstream` holds. */
  UPSTREAM: 'thriftgate.io/upstream',
  /**
   * "true": the startupProbe waits for /readyz (index caught up, upstream reachable), so the app starts
   * only once the proxy can serve. Only for client-side sidecars: when the upstream is the app in the same
   * pod, a native sidecar's startupProbe must not wait for it (kubelet starts the app after that probe).
   */
  HOLD_APP: 'thriftgate.io/hold-app-until-ready',
  /** Written by injection; its presence with our container is what makes injection idempotent. */
  STATUS: 'thriftgate.io/status',
} as const

export const SIDECAR_NAME = 'thriftgate'
/** Label injection puts on the pod, so a PodMonitor or NetworkPolicy can select every proxied pod. */
export const PROXIED_LABEL = 'thriftgate.io/proxied'
export const CONFIG_VOLUME = 'thriftgate-config'
export const DATA_VOLUME = 'thriftgate-data'
export const CONFIG_DIR = '/etc/thriftgate'
export const DATA_DIR = '/var/lib/thriftgate'
/** Port names are unique across a pod and at most 15 characters (IANA_SVC_NAME). */
export const PROXY_PORT_NAME = 'tg-proxy'
export const ADMIN_PORT_NAME = 'tg-metrics'

export type SidecarMode = 'native' | 'legacy'

export interface InjectOptions {
  image: string
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never'
  mode: SidecarMode
  proxyPort: number
  adminPort: number
  /** ConfigMap used when the pod names none. */
  configMap: string
  /** Key of the ConfigMap holding the file. */
  configKey: string
  upstream?: string
  logLevel?: string
  /**
   * Secret (same namespace, key `token`) whose value becomes THRIFTGATE_ADMIN_TOKEN; optional, so pods
   * start without it, and then the admin server refuses its mutating endpoints (admin is not on loopback).
   */
  adminTokenSecret: string
  /** Startup probe on /readyz instead of /healthz (see Annotation.HOLD_APP). */
  holdAppUntilReady: boolean
  /** Sized from bench/e2e-forward.bench.ts (BENCHMARKS.md, "Sidecar sizing"): ~50 µs CPU per call, ~100 MiB RSS + cache. */
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } }
  /** emptyDir size limit for the RocksDB index. */
  dataSizeLimit: string
  /** legacy mode: how long preStop holds SIGTERM back while endpoints stop sending new connections. */
  preStopDelaySeconds: number
}

export const defaultInjectOptions: InjectOptions = {
  image: 'thriftgate:0.1.0',
  imagePullPolicy: 'IfNotPresent',
  mode: 'native',
  proxyPort: 9190,
  adminPort: 9464,
  configMap: 'thriftgate-config',
  configKey: 'thriftgate.yaml',
  adminTokenSecret: 'thriftgate-admin-token',
  holdAppUntilReady: false,
  resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { memory: '512Mi' } },
  dataSizeLimit: '1Gi',
  preStopDelaySeconds: 5,
}

// RFC 1123 DNS subdomain, the rule for ConfigMap names.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/

function bad(what: string, message: string): K8sError {
  return new K8sError(K8sErrorCode.BAD_OPTION, `${what}: ${message}`)
}

export function parsePort(value: string | number, what: string): number {
  const n = typeof value === 'number' ? value : /^[0-9]{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw bad(what, `"${value}" is not a port number (1-65535)`)
  return n
}

export function parseMode(value: string, what: string): SidecarMode {
  if (value === 'native' || value === 'legacy') return value
  throw bad(what, `"${value}" is not a sidecar mode (native or legacy)`)
}

/** Checks operator-supplied options once, so a bad flag fails at startup rather than on every pod. */
export function validateOptions(o: InjectOptions): InjectOptions {
  if (o.image.trim() === '') throw bad('image', 'must not be empty')
  parsePort(o.proxyPort, 'proxy port')
  parsePort(o.adminPort, 'admin port')
  if (o.proxyPort === o.adminPort) throw bad('ports', `proxy and admin port are both ${o.proxyPort}`)
  if (!DNS_SUBDOMAIN.test(o.configMap) || o.configMap.length > 253) {
    throw bad('config map', `"${o.configMap}" is not a valid ConfigMap name`)
  }
  if (!DNS_SUBDOMAIN.test(o.adminTokenSecret)) throw bad('admin token secret', `"${o.adminTokenSecret}" is not a valid Secret name`)
  if (o.upstream !== undefined && !HOST_PORT.test(o.upstream)) throw bad('upstream', `"${o.upstream}" is not host:port`)
  if (!Number.isInteger(o.preStopDelaySeconds) || o.preStopDelaySeconds < 0) {
    throw bad('preStop delay', `"${o.preStopDelaySeconds}" is not a whole number of seconds`)
  }
  return o
}

/** The operator's options adjusted by the pod's `thriftgate.io/*` annotations; errors name the annotation. */
export function optionsForPod(base: InjectOptions, meta: ObjectMeta | undefined): InjectOptions {
  const a = meta?.annotations ?? {}
  const o: InjectOptions = { ...base }
  const config = a[Annotation.CONFIG]
  if (config !== undefined) o.configMap = config.trim()
  const mode = a[Annotation.MODE]
  if (mode !== undefined) o.mode = parseMode(mode.trim(), `annotation ${Annotation.MODE}`)
  const port = a[Annotation.PORT]
  if (port !== undefined) o.proxyPort = parsePort(port, `annotation ${Annotation.PORT}`)
  const admin = a[Annotation.ADMIN_PORT]
  if (admin !== undefined) o.adminPort = parsePort(admin, `annotation ${Annotation.ADMIN_PORT}`)
  const hold = a[Annotation.HOLD_APP]
  if (hold !== undefined) {
    if (hold !== 'true' && hold !== 'false') throw bad(`annotation ${Annotation.HOLD_APP}`, `"${hold}" is not "true" or "false"`)
    o.holdAppUntilReady = hold === 'true'
  }
  const upstream = a[Annotation.UPSTREAM]
  if (upstream !== undefined) o.upstream = upstream.trim()
  try {
    return validateOptions(o)
  } catch (err) {
    if (err instanceof K8sError) {
      throw new K8sError(err.code, `pod annotations (thriftgate.io/*) give an unusable sidecar: ${err.message}`)
    }
    throw err
  }
}
