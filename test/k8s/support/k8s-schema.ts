// Validates Kubernetes objects against the JSON schemas generated from the official Kubernetes OpenAPI
// spec (kubernetes-models) and, for monitoring.coreos.com, from the prometheus-operator CRDs. The model
// class is found from apiVersion/kind, so an unknown kind fails loudly instead of passing unchecked.

interface ModelClass {
  new (data: unknown): { validate(): void }
}

function modulePath(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/')
  const group = slash === -1 ? '' : apiVersion.slice(0, slash)
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1)
  if (!/^[a-z0-9.]*$/.test(group) || !/^v[0-9a-z]+$/.test(version) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    throw new Error(`not a Kubernetes apiVersion/kind: ${apiVersion} ${kind}`)
  }
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`
  return group === '' ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`
}

/** Throws an Error naming the object and every schema violation. */
export async function validateResource(obj: unknown, where: string): Promise<void> {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error(`${where}: not a Kubernetes object`)
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown }
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') throw new Error(`${where}: apiVersion and kind are required`)
  if (apiVersion === 'v1' && kind === 'List') {
    // kubectl's client-side List has no schema of its own: its items are what the API server sees.
    const items = (obj as { items?: unknown }).items
    if (!Array.isArray(items)) throw new Error(`${where}: a List needs items`)
    for (const [i, item] of items.entries()) await validateResource(item, `${where} items[${i}]`)
    return
  }
  let mod: Record<string, unknown>
  try {
    mod = (await import(modulePath(apiVersion, kind))) as Record<string, unknown>
  } catch (err) {
    throw new Error(`${where}: no schema for ${apiVersion} ${kind}`, { cause: err })
  }
  const Model = mod[kind] as ModelClass | undefined
  if (Model === undefined) throw new Error(`${where}: no schema for ${apiVersion} ${kind}`)
  try {
    new Model(obj).validate()
  } catch (err) {
    throw new Error(`${where} (${apiVersion} ${kind}) does not match the Kubernetes schema: ${(err as Error).message}`)
  }
}
