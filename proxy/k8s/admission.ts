// AdmissionReview v1 in, AdmissionReview v1 out (k8s.io/api/admission/v1). Pure: the HTTPS server hands
// us the body and writes back what we return. Rules, so that the webhook can never lock a cluster out:
// a request we cannot read at all gets an HTTP error (the API server then applies failurePolicy: Ignore);
// a request we can read but were not meant to see (not a Pod CREATE) is allowed unchanged; a pod is denied
// only when it asked for the sidecar and the sidecar cannot be added as asked (port in use, bad annotation).
import { K8sError, K8sErrorCode } from './errors.js'
import type { InjectOptions } from './options.js'
import { planInjection } from './plan.js'

const API_VERSION = 'admission.k8s.io/v1'

export interface AdmissionOutcome {
  /** HTTP status for the webhook response. */
  status: number
  body: Record<string, unknown>
  /** What happened, for the server's log line. */
  summary: string
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function httpError(code: K8sErrorCode, message: string): AdmissionOutcome {
  return { status: 400, body: { error: { code, message } }, summary: `rejected request: ${message}` }
}

function review(response: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: 'AdmissionReview', response }
}

/** Answers one AdmissionReview request body (raw bytes as received). */
export function handleAdmissionReview(raw: Buffer | string, options: InjectOptions): AdmissionOutcome {
  let parsed: unknown
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'))
  } catch (err) {
    return httpError(K8sErrorCode.BAD_REVIEW, `body is not JSON: ${(err as Error).message}`)
  }
  if (!isObject(parsed) || parsed.kind !== 'AdmissionReview') {
    return httpError(K8sErrorCode.BAD_REVIEW, 'body is not an AdmissionReview (kind must be "AdmissionReview")')
  }
  if (parsed.apiVersion !== API_VERSION) {
    // The MutatingWebhookConfiguration pins admissionReviewVersions to v1; v1beta1 answers differ in shape.
    return httpError(K8sErrorCode.BAD_REVIEW, `AdmissionReview apiVersion ${JSON.stringify(parsed.apiVersion)} is not supported; use ${API_VERSION}`)
  }
  const request = parsed.request
  if (!isObject(request) || typeof request.uid !== 'string' || request.uid === '') {
    return httpError(K8sErrorCode.BAD_REVIEW, 'AdmissionReview has no request.uid')
  }
  const uid = request.uid
  const allow = (summary: string, warnings: string[] = []): AdmissionOutcome => ({
    status: 200,
    body: review({ uid, allowed: true, ...(warnings.length ? { warnings } : {}) }),
    summary,
  })
  const kind = isObject(request.kind) ? request.kind : {}
  if (kind.group !== '' || kind.kind !== 'Pod' || request.operation !== 'CREATE') {
    return allow(`ignored ${String(request.operation)} ${String(kind.kind)}: only Pod CREATE is mutated`)
  }
  const ns = typeof request.namespace === 'string' ? request.namespace : ''
  const pod = request.object
  const meta = isObject(pod) && isObject(pod.metadata) ? pod.metadata : {}
  const name = typeof meta.name === 'string' && meta.name !== '' ? meta.name : `${String(meta.generateName ?? '')}*`
  const where = `Pod ${ns}/${name}`
  try {
    const plan = planInjection(pod, options, { requireOptIn: true, where })
    if (plan.kind === 'skip') {
      const warn = plan.reason === 'host-network' ? [`thriftgate: ${plan.message}`] : []
      return allow(`skipped ${where} (${plan.reason})`, warn)
    }
    const patch = Buffer.from(JSON.stringify(plan.patch)).toString('base64')
    return {
      status: 200,
      body: review({
        uid,
        allowed: true,
        patchType: 'JSONPatch',
        patch,
        ...(plan.warnings.length ? { warnings: plan.warnings.map((w) => `thriftgate: ${w}`) } : {}),
      }),
      summary: `injected ${where} (${plan.options.mode}, config ${plan.options.configMap})`,
    }
  } catch (err) {
    if (!(err instanceof K8sError)) throw err
    // Not a pod the API server could have sent (it validates first): a bad request, not a denial, so
    // failurePolicy applies and the API server's own validation answers the user.
    if (err.code === K8sErrorCode.BAD_POD_SPEC) return httpError(K8sErrorCode.BAD_REVIEW, `request.object is not a valid Pod: ${err.message}`)
    const message = `thriftgate sidecar injection refused (${err.code}): ${err.message}`
    return {
      status: 200,
      body: review({ uid, allowed: false, status: { code: 400, reason: 'BadRequest', message } }),
      summary: `denied ${where}: ${err.code}`,
    }
  }
}
