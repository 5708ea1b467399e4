// Checks that an object read from YAML or an AdmissionReview has the shape of a pod template before
// injection reads it: the API server would reject a pod without containers anyway, but our error must say
// where the problem is instead of a TypeError deep in the planner.
import { K8sError, K8sErrorCode } from './errors.js'
import type { PodTemplate } from './types.js'

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function fail(where: string, message: string): never {
  throw new K8sError(K8sErrorCode.BAD_POD_SPEC, `${where}: ${message}`)
}

function checkStringMap(v: unknown, where: string): void {
  if (v === undefined || v === null) return
  if (!isObject(v)) fail(where, 'must be a map of strings')
  for (const [k, s] of Object.entries(v)) if (typeof s !== 'string') fail(`${where}.${k}`, 'must be a string')
}

function checkContainers(v: unknown, where: string, required: boolean): void {
  if (v === undefined || v === null) {
    if (required) fail(where, 'is missing; a pod needs at least one container')
    return
  }
  if (!Array.isArray(v)) fail(where, 'must be a list')
  if (required && v.length === 0) fail(where, 'is empty; a pod needs at least one container')
  v.forEach((c, i) => {
    const at = `${where}[${i}]`
    if (!isObject(c)) fail(at, 'must be a map')
    if (typeof c.name !== 'string' || c.name === '') fail(`${at}.name`, 'must be a non-empty string')
    const ports = c.ports
    if (ports === undefined || ports === null) return
    if (!Array.isArray(ports)) fail(`${at}.ports`, 'must be a list')
    ports.forEach((p, j) => {
      if (!isObject(p) || typeof p.containerPort !== 'number') fail(`${at}.ports[${j}].containerPort`, 'must be a number')
    })
  })
}

/** Returns `value` typed as a pod template after checking the fields injection relies on. */
export function asPodTemplate(value: unknown, where: string): PodTemplate {
  if (!isObject(value)) fail(where, 'must be a map with metadata and spec')
  const meta = value.metadata
  if (meta !== undefined && meta !== null) {
    if (!isObject(meta)) fail(`${where}.metadata`, 'must be a map')
    checkStringMap(meta.labels, `${where}.metadata.labels`)
    checkStringMap(meta.annotations, `${where}.metadata.annotations`)
  }
  const spec = value.spec
  if (!isObject(spec)) fail(`${where}.spec`, 'must be a map')
  checkContainers(spec.containers, `${where}.spec.containers`, true)
  checkContainers(spec.initContainers, `${where}.spec.initContainers`, false)
  const volumes = spec.volumes
  if (volumes !== undefined && volumes !== null) {
    if (!Array.isArray(volumes)) fail(`${where}.spec.volumes`, 'must be a list')
    volumes.forEach((vol, i) => {
      if (!isObject(vol) || typeof vol.name !== 'string') fail(`${where}.spec.volumes[${i}].name`, 'must be a string')
    })
  }
  return value as unknown as PodTemplate
}
