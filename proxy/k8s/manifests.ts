// Offline injection (`thriftgate inject -f app.yaml`), like `istioctl kube-inject`: every pod template in a
// multi-document YAML stream gets the patch the webhook would return for it. Documents without a pod
// template are written back byte for byte; changed ones keep their comments and key order, because the
// patch is applied to the YAML document itself, not to a re-serialised copy.
import { CST, Parser, parseDocument, type Document } from 'yaml'
import { K8sError, K8sErrorCode } from './errors.js'
import type { InjectOptions } from './options.js'
import { planInjection, type InjectionPlan } from './plan.js'
import type { JsonPatchOp } from './types.js'

/** Where the pod template sits in each workload kind (core/v1, apps/v1, batch/v1). */
const TEMPLATE_PATH: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  PodTemplate: ['template'],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
}

export interface TemplateResult {
  /** 0-based index of the YAML document in the stream. */
  document: number
  /** e.g. `Deployment/api` or `List/- items[2] Deployment/api`. */
  where: string
  plan: InjectionPlan
}

export interface InjectManifestsResult {
  output: string
  templates: TemplateResult[]
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function nameOf(obj: Record<string, unknown>): string {
  const meta = isObject(obj.metadata) ? obj.metadata : {}
  return typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '(unnamed)'
}

/** Pod templates inside one object (and inside the items of a `kind: List`), as YAML paths. */
function findTemplates(obj: unknown, base: Array<string | number>, label: string, out: Array<{ path: Array<string | number>; value: unknown; where: string }>): void {
  if (!isObject(obj) || typeof obj.kind !== 'string') return
  if (obj.kind === 'List' || obj.kind.endsWith('List')) {
    if (Array.isArray(obj.items)) obj.items.forEach((it, i) => findTemplates(it, [...base, 'items', i], `${label}items[${i}] `, out))
    return
  }
  const rel = TEMPLATE_PATH[obj.kind]
  if (rel === undefined) return
  let value: unknown = obj
  for (const k of rel) value = isObject(value) ? value[k] : undefined
  const where = `${label}${obj.kind}/${nameOf(obj)}${rel.length ? ` ${rel.join('.')}` : ''}`
  out.push({ path: [...base, ...rel], value, where })
}

function tokensOf(pointer: string): Array<string | number> {
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((t) => (/^(0|[1-9][0-9]*)$/.test(t) ? Number(t) : t))
}

function applyToDocument(doc: Document, base: Array<string | number>, patch: readonly JsonPatchOp[]): void {
  for (const op of patch) {
    if (op.op !== 'add') throw new K8sError(K8sErrorCode.BAD_MANIFEST, `offline injection only adds; got ${op.op} ${op.path}`)
    const path = [...base, ...tokensOf(op.path)]
    if (path[path.length - 1] === '-') doc.addIn(path.slice(0, -1), doc.createNode(op.value))
    else doc.setIn(path, doc.createNode(op.value))
  }
}

/** Splits a stream into per-document source slices whose concatenation is the input, byte for byte. */
function splitDocuments(source: string): string[] {
  const groups: string[] = []
  let current = ''
  let hasDocument = false
  for (const token of new Parser().parse(source)) {
    if (token.type === 'document' && hasDocument) {
      groups.push(current)
      current = ''
    }
    if (token.type === 'document') hasDocument = true
    current += CST.stringify(token)
  }
  if (current !== '' || groups.length === 0) groups.push(current)
  return groups
}

// Manifests written with "- " level with their key keep that style when we re-print a changed document.
function usesIndentedSequences(text: string): boolean {
  return !/^( *)[^\s#-][^\n]*:[ \t]*\n\1- /m.test(text)
}

/** Injects the sidecar into every pod template of a (multi-document) YAML or JSON manifest. */
export function injectManifests(source: string, options: InjectOptions, sourceName = 'input'): InjectManifestsResult {
  const templates: TemplateResult[] = []
  const parts = splitDocuments(source).map((text, document) => {
    const doc = parseDocument(text, { prettyErrors: true })
    const firstError = doc.errors[0]
    if (firstError !== undefined) {
      throw new K8sError(K8sErrorCode.BAD_MANIFEST, `${sourceName}: document ${document + 1} is not valid YAML: ${firstError.message}`, {
        cause: firstError,
      })
    }
    const found: Array<{ path: Array<string | number>; value: unknown; where: string }> = []
    findTemplates(doc.toJS(), [], '', found)
    let changed = false
    for (const t of found) {
      const where = `${sourceName}: document ${document + 1} ${t.where}`
      const plan = planInjection(t.value, options, { requireOptIn: false, where })
      templates.push({ document, where, plan })
      if (plan.kind === 'inject') {
        applyToDocument(doc, t.path, plan.patch)
        changed = true
      }
    }
    return changed ? doc.toString({ indentSeq: usesIndentedSequences(text), lineWidth: 0 }) : text
  })
  return { output: parts.join(''), templates }
}
