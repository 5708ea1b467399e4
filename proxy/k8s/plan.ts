// The one injection code path: a pod template in, a JSON patch out. Pure (no I/O, no clock), shared by
// `thriftgate inject` (applies the patch to files) and the admission webhook (returns it to the API server).
import { K8sError, K8sErrorCode } from './errors.js'
import { pointerToken } from './json-patch.js'
import {
  ADMIN_PORT_NAME,
  Annotation,
  CONFIG_VOLUME,
  DATA_VOLUME,
  PROXIED_LABEL,
  PROXY_PORT_NAME,
  SIDECAR_NAME,
  optionsForPod,
  type InjectOptions,
} from './options.js'
import { asPodTemplate } from './pod-spec.js'
import { sidecarContainer, sidecarVolumes } from './sidecar.js'
import type { Container, JsonPatchOp, PodTemplate } from './types.js'

export type SkipReason = 'not-requested' | 'opted-out' | 'already-injected' | 'host-network'

export type InjectionPlan =
  | { kind: 'inject'; patch: JsonPatchOp[]; options: InjectOptions; warnings: string[] }
  | { kind: 'skip'; reason: SkipReason; message: string }

export interface PlanContext {
  /** Webhook: inject only pods labelled or annotated `thriftgate.io/inject: "true"`. Offline: inject all. */
  requireOptIn: boolean
  /** Names the template in messages, e.g. `Deployment/api spec.template`. */
  where: string
}

function optIn(t: PodTemplate, where: string): 'true' | 'false' | undefined {
  const label = t.metadata?.labels?.[Annotation.INJECT]
  const annotation = t.metadata?.annotations?.[Annotation.INJECT]
  for (const [v, from] of [[label, 'label'], [annotation, 'annotation']] as const) {
    if (v !== undefined && v !== 'true' && v !== 'false') {
      throw new K8sError(K8sErrorCode.BAD_OPTION, `${where}: ${from} ${Annotation.INJECT} is "${v}"; use "true" or "false"`)
    }
  }
  if (label === 'false' || annotation === 'false') return 'false'
  if (label === 'true' || annotation === 'true') return 'true'
  return undefined
}

function allContainers(t: PodTemplate): Array<{ c: Container; list: string }> {
  return [
    ...(t.spec.initContainers ?? []).map((c) => ({ c, list: 'initContainers' })),
    ...t.spec.containers.map((c) => ({ c, list: 'containers' })),
  ]
}

function checkConflicts(t: PodTemplate, o: InjectOptions, where: string): void {
  for (const { c, list } of allContainers(t)) {
    for (const p of c.ports ?? []) {
      // A port is taken per protocol; the proxy's ports are TCP (the default when protocol is omitted).
      const tcp = p.protocol === undefined || p.protocol === 'TCP'
      if (tcp && (p.containerPort === o.proxyPort || p.containerPort === o.adminPort)) {
        const ours = p.containerPort === o.proxyPort ? 'proxy' : 'admin'
        throw new K8sError(
          K8sErrorCode.PORT_CONFLICT,
          `${where}: container "${c.name}" (${list}) already uses port ${p.containerPort}, the sidecar's ${ours} port; ` +
            `move the sidecar with the ${ours === 'proxy' ? Annotation.PORT : Annotation.ADMIN_PORT} annotation (or --${ours}-port)`,
        )
      }
      if (p.name === PROXY_PORT_NAME || p.name === ADMIN_PORT_NAME) {
        throw new K8sError(
          K8sErrorCode.NAME_CONFLICT,
          `${where}: container "${c.name}" already has a port named "${p.name}", which the sidecar needs`,
        )
      }
    }
  }
  for (const v of t.spec.volumes ?? []) {
    if (v.name === CONFIG_VOLUME || v.name === DATA_VOLUME) {
      throw new K8sError(K8sErrorCode.NAME_CONFLICT, `${where}: the pod already has a volume named "${v.name}"`)
    }
  }
}

/** Adds `wanted` to metadata.labels or metadata.annotations, creating the maps when absent. */
function metadataOps(t: PodTemplate, field: 'labels' | 'annotations', wanted: Record<string, string>): JsonPatchOp[] {
  if (t.metadata === undefined || t.metadata === null) return [{ op: 'add', path: '/metadata', value: { [field]: wanted } }]
  if (t.metadata[field] === undefined || t.metadata[field] === null) return [{ op: 'add', path: `/metadata/${field}`, value: wanted }]
  return Object.entries(wanted).map(([k, value]) => ({ op: 'add', path: `/metadata/${field}/${pointerToken(k)}`, value }))
}

function annotationsToAdd(t: PodTemplate, o: InjectOptions): Record<string, string> {
  const wanted: Record<string, string> = { [Annotation.STATUS]: 'injected' }
  const existing = t.metadata?.annotations ?? {}
  // Conventional scrape annotations, only where the app has not set its own (a pod has one set of them;
  // the PodMonitor in deploy/k8s finds the sidecar by port name either way).
  if (existing['prometheus.io/scrape'] === undefined && existing['prometheus.io/port'] === undefined) {
    wanted['prometheus.io/scrape'] = 'true'
    wanted['prometheus.io/port'] = String(o.adminPort)
    wanted['prometheus.io/path'] = '/metrics'
  }
  return wanted
}

export function planInjection(template: unknown, base: InjectOptions, ctx: PlanContext): InjectionPlan {
  const t = asPodTemplate(template, ctx.where)
  const choice = optIn(t, ctx.where)
  if (choice === 'false') {
    return { kind: 'skip', reason: 'opted-out', message: `${ctx.where}: ${Annotation.INJECT} is "false"` }
  }
  if (ctx.requireOptIn && choice !== 'true') {
    return { kind: 'skip', reason: 'not-requested', message: `${ctx.where}: not labelled or annotated ${Annotation.INJECT}: "true"` }
  }
  const present = allContainers(t).find(({ c }) => c.name === SIDECAR_NAME)
  if (present !== undefined) {
    return { kind: 'skip', reason: 'already-injected', message: `${ctx.where}: already has the ${SIDECAR_NAME} sidecar (${present.list})` }
  }
  if (t.spec.hostNetwork === true) {
    // With hostNetwork the sidecar's ports would be bound on the node: two such pods on one node would
    // collide, and the admin port would be reachable from outside the pod network policy.
    return {
      kind: 'skip',
      reason: 'host-network',
      message: `${ctx.where}: uses hostNetwork; the sidecar is not injected into host-network pods (its ports would be the node's)`,
    }
  }
  const o = optionsForPod(base, t.metadata)
  checkConflicts(t, o, ctx.where)

  const warnings: string[] = []
  const restart = t.spec.restartPolicy
  if (o.mode === 'legacy' && (restart === 'Never' || restart === 'OnFailure')) {
    warnings.push(
      `${ctx.where}: restartPolicy ${String(restart)} with a legacy (regular container) sidecar: the pod never completes ` +
        `while the proxy runs; use sidecar-mode native (Kubernetes >= 1.29) for Jobs`,
    )
  }
  const patch: JsonPatchOp[] = []
  const container = sidecarContainer(o)
  if (o.mode === 'native') {
    // Appended after the pod's own init containers: those run to completion undisturbed, and the proxy is
    // started (startupProbe passed) before any app container.
    if (t.spec.initContainers === undefined || t.spec.initContainers === null) {
      patch.push({ op: 'add', path: '/spec/initContainers', value: [container] })
    } else patch.push({ op: 'add', path: '/spec/initContainers/-', value: container })
  } else {
    // Appended so containers[0], which `kubectl logs/exec` default to, stays the app.
    patch.push({ op: 'add', path: '/spec/containers/-', value: container })
  }
  const volumes = sidecarVolumes(o)
  if (t.spec.volumes === undefined || t.spec.volumes === null) patch.push({ op: 'add', path: '/spec/volumes', value: volumes })
  else for (const v of volumes) patch.push({ op: 'add', path: '/spec/volumes/-', value: v })
  // Two separate steps: when metadata is absent the first op creates it and the second adds to it.
  patch.push(...metadataOps(t, 'annotations', annotationsToAdd(t, o)))
  const withMeta: PodTemplate = t.metadata === undefined || t.metadata === null ? { ...t, metadata: {} } : t
  patch.push(...metadataOps(withMeta, 'labels', { [PROXIED_LABEL]: 'true' }))
  return { kind: 'inject', patch, options: o, warnings }
}
