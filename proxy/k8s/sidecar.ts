// The sidecar container and its volumes, as plain API objects. Both injection paths (offline and webhook)
// and the example manifests in deploy/k8s describe the same container; test/k8s checks they agree.
import {
  ADMIN_PORT_NAME,
  CONFIG_DIR,
  CONFIG_VOLUME,
  DATA_DIR,
  DATA_VOLUME,
  PROXY_PORT_NAME,
  SIDECAR_NAME,
  type InjectOptions,
} from './options.js'
import type { Container, Volume } from './types.js'

export function sidecarContainer(o: InjectOptions): Container {
  const env: Array<Record<string, unknown>> = [
    // Ports come from the pod spec we write, not from the config file, so probes and Services always match
    // what the proxy binds; the admin server must listen on all interfaces for kubelet probes and scraping
    // (the NetworkPolicy in deploy/k8s keeps it private).
    { name: 'THRIFTGATE_LISTEN', value: `0.0.0.0:${o.proxyPort}` },
    { name: 'THRIFTGATE_ADMIN', value: `0.0.0.0:${o.adminPort}` },
  ]
  // Mutating admin endpoints (purge, index rebuild) need this token off loopback; without the Secret they stay off
  // (read-only: the proxy would otherwise refuse to start on a non-loopback admin address without a token).
  env.push({ name: 'THRIFTGATE_ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: o.adminTokenSecret, key: 'token', optional: true } } })
  env.push({ name: 'THRIFTGATE_ADMIN_WITHOUT_TOKEN', value: 'read-only' })
  if (o.upstream !== undefined) env.push({ name: 'THRIFTGATE_UPSTREAM', value: o.upstream })
  if (o.logLevel !== undefined) env.push({ name: 'THRIFTGATE_LOG_LEVEL', value: o.logLevel })
  env.push(
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  )
  const probe = (path: string, periodSeconds: number, failureThreshold: number): Record<string, unknown> => ({
    httpGet: { path, port: ADMIN_PORT_NAME },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  })
  const c: Container = {
    name: SIDECAR_NAME,
    image: o.image,
    imagePullPolicy: o.imagePullPolicy,
    args: ['serve', '--config', `${CONFIG_DIR}/${o.configKey}`],
    ports: [
      { name: PROXY_PORT_NAME, containerPort: o.proxyPort, protocol: 'TCP' },
      { name: ADMIN_PORT_NAME, containerPort: o.adminPort, protocol: 'TCP' },
    ],
    env,
    resources: {
      requests: { ...o.resources.requests },
      limits: { ...o.resources.limits },
    },
    // /readyz is true once the proxy listens, the index has caught up and the upstream answers TCP. A
    // server-side native sidecar's upstream is the app, which kubelet starts only after this probe passes,
    // so by default startup waits for /healthz; readiness (which gates the Service) still waits for /readyz.
    // 150 x 2 s = 5 minutes for a big index to catch up; liveness only starts counting after that.
    startupProbe: probe(o.holdAppUntilReady ? '/readyz' : '/healthz', 2, 150),
    readinessProbe: probe('/readyz', 5, 2),
    livenessProbe: probe('/healthz', 10, 3),
    volumeMounts: [
      { name: CONFIG_VOLUME, mountPath: CONFIG_DIR, readOnly: true },
      { name: DATA_VOLUME, mountPath: DATA_DIR },
    ],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  }
  if (o.mode === 'native') {
    // KEP-753 native sidecar: an init container that keeps running; kubelet starts the app containers only
    // after its startupProbe passes and stops it only after they have exited, so no preStop delay is needed.
    c.restartPolicy = 'Always'
  } else {
    // Regular containers all get SIGTERM at once when the pod is deleted, while endpoint removal propagates
    // asynchronously: hold SIGTERM back so clients stop opening connections before the proxy drains.
    // `node` is the one binary the image is sure to have.
    c.lifecycle = {
      preStop: { exec: { command: ['node', '-e', `setTimeout(() => {}, ${o.preStopDelaySeconds * 1000})`] } },
    }
  }
  return c
}

export function sidecarVolumes(o: InjectOptions): Volume[] {
  return [
    // The whole ConfigMap, not just the config key: the config names its IDL files relative to itself.
    { name: CONFIG_VOLUME, configMap: { name: o.configMap } },
    { name: DATA_VOLUME, emptyDir: { sizeLimit: o.dataSizeLimit } },
  ]
}
