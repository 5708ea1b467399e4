// Looks config names up in the IDL and records a problem (with the path and what exists) when one
// is missing. Without an IDL, method names pass unchecked and field names become problems: the
// proxy sees only field ids on the wire, so a name is meaningless without the IDL that maps it.
import type { ConfigProblem } from './errors.js'
import { didYouMean } from './suggest.js'
import { fieldByName, type IdlField, type IdlMethod, type IdlModel, type IdlService, type IdlStruct } from './idl-model.js'
import type { FieldRef } from './types.js'

export class IdlResolver {
  /** Paths already told that names need the IDL: once per path is enough. */
  private readonly needIdl = new Set<string>()

  constructor(
    readonly model: IdlModel | undefined,
    private readonly problems: ConfigProblem[],
  ) {}

  problem(path: string, problem: string): void {
    this.problems.push({ path, problem })
  }

  service(path: string, name: string): IdlService | undefined {
    if (this.model === undefined) return undefined
    const svc = this.model.services.get(name)
    if (svc === undefined) {
      const names = [...this.model.services.keys()]
      this.problem(path, `service "${name}" is not in the IDL${didYouMean(name, names)}; the IDL has: ${names.join(', ') || '(no services)'}`)
    }
    return svc
  }

  /** Checks a method name; returns the IDL method when known. */
  method(path: string, svc: IdlService | undefined, name: string): IdlMethod | undefined {
    if (svc === undefined) return undefined
    const m = svc.methods.get(name)
    if (m === undefined) {
      const names = [...svc.methods.keys()]
      this.problem(path, `method "${name}" is not in service ${svc.name}${didYouMean(name, names)}; it has: ${names.join(', ')}`)
    }
    return m
  }

  /** Resolves a field name among `fields`; without the IDL, records that the IDL is needed. */
  field(path: string, fields: readonly IdlField[] | undefined, name: string, what: string, idsHint = false): FieldRef {
    if (this.model === undefined) {
      if (!this.needIdl.has(path)) {
        this.needIdl.add(path)
        this.problem(path, `"${name}" (${what}) is a name: argument and field names need the IDL (add an "idl:" list of .thrift files)${idsHint ? ', or use field ids like getUser(1: 1.1)' : ''}`)
      }
      return { name, id: undefined }
    }
    if (fields === undefined) return { name, id: undefined }
    const f = fieldByName(fields, name)
    if (f === undefined) {
      const names = fields.map((x) => x.name)
      this.problem(path, `no ${what} "${name}"${didYouMean(name, names)}; there are: ${names.join(', ') || '(none)'}`)
      return { name, id: undefined }
    }
    return { name, id: f.id }
  }

  struct(path: string, name: string): IdlStruct | undefined {
    if (this.model === undefined) return undefined
    const s = this.model.structs.get(name)
    if (s === undefined) {
      const names = [...this.model.structs.keys()]
      this.problem(path, `struct "${name}" is not in the IDL${didYouMean(name, names)}; the IDL has: ${names.join(', ')}`)
    }
    return s
  }

  /** The fields of a struct-typed field, or undefined (with a problem) when it is not a struct. */
  structFields(path: string, f: IdlField | undefined): readonly IdlField[] | undefined {
    if (f === undefined || this.model === undefined) return undefined
    if (f.type.kind !== 'struct') {
      this.problem(path, `"${f.name}" is not a struct, so it has no fields`)
      return undefined
    }
    return this.model.structs.get(f.type.name)?.fields
  }
}
