// The slice of the Kubernetes Pod API that injection reads and writes. Objects come from users' YAML or from
// the API server, so every field we do not own is carried through untouched (index signatures) and every
// field we read is checked before use (see pod-spec.ts).

export interface ContainerPort {
  containerPort: number
  name?: string
  protocol?: string
  hostPort?: number
  [field: string]: unknown
}

export interface Container {
  name: string
  ports?: ContainerPort[]
  [field: string]: unknown
}

export interface Volume {
  name: string
  [field: string]: unknown
}

export interface PodSpec {
  containers: Container[]
  initContainers?: Container[]
  volumes?: Volume[]
  hostNetwork?: boolean
  [field: string]: unknown
}

export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  [field: string]: unknown
}

/** A Pod, or the `template` of a workload: metadata plus spec. */
export interface PodTemplate {
  metadata?: ObjectMeta
  spec: PodSpec
}

/** RFC 6902 operations; injection only ever adds (never replaces or removes what the user wrote). */
export type JsonPatchOp =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string }
