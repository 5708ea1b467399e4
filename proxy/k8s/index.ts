// Sidecar injection for Kubernetes: one pure planner (pod template in, JSON patch out) used offline by
// `thriftgate inject` and online by the mutating admission webhook (`thriftgate webhook`).
export { K8sError, K8sErrorCode } from './errors.js'
export type { Container, ContainerPort, JsonPatchOp, ObjectMeta, PodSpec, PodTemplate, Volume } from './types.js'
export {
  Annotation,
  ADMIN_PORT_NAME,
  CONFIG_DIR,
  CONFIG_VOLUME,
  DATA_DIR,
  DATA_VOLUME,
  PROXIED_LABEL,
  PROXY_PORT_NAME,
  SIDECAR_NAME,
  defaultInjectOptions,
  optionsForPod,
  parseMode,
  parsePort,
  validateOptions,
  type InjectOptions,
  type SidecarMode,
} from './options.js'
export { sidecarContainer, sidecarVolumes } from './sidecar.js'
export { planInjection, type InjectionPlan, type PlanContext, type SkipReason } from './plan.js'
export { applyJsonPatch, pointerToken } from './json-patch.js'
export { injectManifests, type InjectManifestsResult, type TemplateResult } from './manifests.js'
export { handleAdmissionReview, type AdmissionOutcome } from './admission.js'
export { WebhookServer, type WebhookLog, type WebhookServerOptions } from './webhook-server.js'
