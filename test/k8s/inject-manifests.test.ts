// Offline injection (`thriftgate inject -f`): every pod template in a multi-document stream gets the
// same patch the webhook would return, other documents are written back byte for byte, comments in
// changed documents survive, and running it twice changes nothing.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { K8sError, applyJsonPatch, defaultInjectOptions, injectManifests, planInjection } from '../../proxy/k8s/index.js'
import { unknownFields, validateResource } from './support/k8s-schema.js'

const source = readFileSync(join(import.meta.dirname, 'fixtures', 'manifests', 'app.yaml'), 'utf8')
const docs = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS())
const templatePaths: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
}
const at = (obj: any, path: string[]): any => path.reduce((o, k) => o?.[k], obj)

describe('injectManifests', () => {
  const { output, templates } = injectManifests(source, defaultInjectOptions, 'app.yaml')

  test('finds the pod template of every workload kind, inside Lists too, and reports what it did', () => {
    assert.deepEqual(
      templates.map((t) => [t.document, t.plan.kind === 'inject' ? 'inject' : t.plan.reason]),
      [[2, 'inject'], [3, 'inject'], [4, 'host-network'], [5, 'inject'], [6, 'opted-out'], [7, 'inject']],
    )
    assert.equal(templates[0]?.where, 'app.yaml: document 3 Deployment/user-service spec.template')
    assert.equal(templates[5]?.where, 'app.yaml: document 8 items[0] Pod/debug')
  })

  test('each template gets exactly the webhook\'s patch (one code path)', () => {
    const before = docs(source)
    const after = docs(output)
    assert.equal(after.length, before.length)
    before.forEach((doc, i) => {
      const path = templatePaths[doc.kind]
      if (path === undefined) return
      const plan = planInjection(at(doc, path), defaultInjectOptions, { requireOptIn: false, where: 'x' })
      const expected = plan.kind === 'inject' ? applyJsonPatch(at(doc, path), plan.patch) : at(doc, path)
      assert.deepEqual(at(after[i], path), expected, `${doc.kind}`)
      // Everything outside the template is unchanged.
      const strip = (o: any): any => { const c = structuredClone(o); const parent = at(c, path.slice(0, -1)); delete parent[path[path.length - 1] as string]; return c }
      assert.deepEqual(strip(after[i]), strip(doc))
    })
    const pod = after[7].items[0]
    assert.deepEqual(pod, applyJsonPatch(before[7].items[0], (planInjection(before[7].items[0], defaultInjectOptions, { requireOptIn: false, where: 'x' }) as any).patch))
  })

  test('documents without an injected template are written back byte for byte; comments survive', () => {
    const parts = output.split(/^(?=---$)/m)
    const original = source.split(/^(?=---$)/m)
    for (const i of [0, 1, 4, 6]) assert.equal(parts[i], original[i], `document ${i + 1}`)
    assert.match(output, /^# shop: the user service and its jobs/)
    assert.match(output, /- name: app +# the Thrift server/)
    assert.match(output, /^# the service itself$/m)
    // A template written with "- " level with its key keeps that style.
    assert.match(parts[2] ?? '', /\n {6}containers:\n {6}- name: app/)
    assert.match(parts[2] ?? '', /\n {6}initContainers:\n {6}- name: thriftgate/)
  })

  test('the result validates against the Kubernetes schemas', async () => {
    for (const [i, d] of docs(output).entries()) await validateResource(d, `injected document ${i + 1}`)
    // Strict too: the sidecar adds no field the API does not know (what kubectl --validate=strict checks).
    assert.deepEqual(unknownFields(docs(output).map((obj, i) => ({ obj, where: `injected document ${i + 1}` }))), [])
  })

  test('running it again changes nothing', () => {
    const again = injectManifests(output, defaultInjectOptions, 'app.yaml')
    assert.equal(again.output, output)
    assert.ok(again.templates.every((t) => t.plan.kind === 'skip'))
  })

  test('the annotated ConfigMap and sidecar mode are honoured per template', () => {
    const after = docs(output)
    const sts = after[3].spec.template.spec
    assert.deepEqual(sts.initContainers.map((c: any) => c.name), ['wait-for-db', 'thriftgate'])
    assert.equal(sts.volumes.find((v: any) => v.name === 'thriftgate-config').configMap.name, 'sessions-thriftgate')
    // The CronJob's pods run to completion: the native sidecar does not keep them alive.
    assert.equal(after[5].spec.jobTemplate.spec.template.spec.initContainers[0].restartPolicy, 'Always')
  })

  test('errors name the document and the object', () => {
    assert.throws(() => injectManifests('a: [1\n', defaultInjectOptions, 'bad.yaml'), (e: unknown) => e instanceof K8sError && e.code === 'TG_ERR_INJECT_BAD_MANIFEST' && /bad\.yaml: document 1 is not valid YAML/.test(e.message))
    const conflict = source.replace('containerPort: 9090', 'containerPort: 9190')
    assert.throws(
      () => injectManifests(conflict, defaultInjectOptions, 'app.yaml'),
      (e: unknown) => e instanceof K8sError && e.code === 'TG_ERR_INJECT_PORT_CONFLICT' && /app\.yaml: document 3 Deployment\/user-service/.test(e.message),
    )
    assert.throws(() => injectManifests('kind: Deployment\nmetadata: {name: x}\nspec: {}\n', defaultInjectOptions, 'x.yaml'), { code: 'TG_ERR_INJECT_BAD_POD_SPEC' })
  })

  test('empty input, comments only, and objects that are not workloads pass through', () => {
    for (const text of ['', '# nothing\n', '---\n---\n', 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n', '{"kind": "Service", "apiVersion": "v1"}\n']) {
      const r = injectManifests(text, defaultInjectOptions)
      assert.equal(r.output, text)
      assert.equal(r.templates.length, 0)
    }
  })
})
