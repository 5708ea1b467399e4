// Typed errors of sidecar injection (offline `thriftgate inject` and the admission webhook).
// Every code is stable (listed in docs/errors.md) so scripts and the webhook's denial messages can be matched on it.
import { ThriftgateError } from '../errors/index.js'

export const K8sErrorCode = {
  /** A manifest is not valid YAML/JSON, or a document is not a Kubernetes object. */
  BAD_MANIFEST: 'TG_ERR_INJECT_BAD_MANIFEST',
  /** A Pod template lacks what every pod has (`spec.containers` as a non-empty list of named containers). */
  BAD_POD_SPEC: 'TG_ERR_INJECT_BAD_POD_SPEC',
  /** A container that is not ours already declares the proxy's or the admin port. */
  PORT_CONFLICT: 'TG_ERR_INJECT_PORT_CONFLICT',
  /** A container that is not ours already uses the sidecar's name, or a volume uses one of ours. */
  NAME_CONFLICT: 'TG_ERR_INJECT_NAME_CONFLICT',
  /** An injection option or `thriftgate.io/*` annotation has a value we cannot use. */
  BAD_OPTION: 'TG_ERR_INJECT_BAD_OPTION',
  /** The body of an admission request is not an AdmissionReview v1 we can answer. */
  BAD_REVIEW: 'TG_ERR_INJECT_BAD_REVIEW',
  /** The webhook's TLS certificate or key cannot be read or used. */
  TLS: 'TG_ERR_INJECT_TLS',
} as const
export type K8sErrorCode = (typeof K8sErrorCode)[keyof typeof K8sErrorCode]

export class K8sError extends ThriftgateError<K8sErrorCode> {
  override readonly name: string = 'K8sError'
}
