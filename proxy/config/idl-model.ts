// The IDL model thriftgate uses: just enough of a Thrift IDL to name methods, arguments and
// fields, and to know which methods are oneway. Typedefs are resolved to their target type;
// names of structs, enums and services are qualified by the file they come from only when
// referenced across an include (`shared.Thing`), as Thrift itself does.

export type IdlBaseType = 'bool' | 'byte' | 'i8' | 'i16' | 'i32' | 'i64' | 'double' | 'string' | 'binary' | 'uuid'

export type IdlType =
  | { readonly kind: 'base'; readonly name: IdlBaseType }
  | { readonly kind: 'list' | 'set'; readonly elem: IdlType }
  | { readonly kind: 'map'; readonly key: IdlType; readonly value: IdlType }
  /** A struct, union or exception, by its qualified name in `IdlModel.structs`. */
  | { readonly kind: 'struct'; readonly name: string }
  /** An enum (an i32 on the wire), by its qualified name in `IdlModel.enums`. */
  | { readonly kind: 'enum'; readonly name: string }

export interface IdlField {
  readonly id: number
  readonly name: string
  readonly type: IdlType
  readonly requiredness: 'required' | 'optional' | 'default'
}

export interface IdlStruct {
  readonly name: string
  readonly kind: 'struct' | 'union' | 'exception'
  readonly fields: readonly IdlField[]
  /** `file:line` where it is declared. */
  readonly location: string
}

export interface IdlEnum {
  readonly name: string
  readonly values: ReadonlyMap<string, number>
}

export interface IdlMethod {
  readonly name: string
  readonly oneway: boolean
  readonly args: readonly IdlField[]
  /** undefined for `void`. */
  readonly returns: IdlType | undefined
  /** Declared exceptions: field id and name in the result struct (field 0 is success). */
  readonly throws: readonly IdlField[]
  /** The service that declares it (differs from the owner when inherited through `extends`). */
  readonly declaredIn: string
}

export interface IdlService {
  readonly name: string
  readonly extends: string | undefined
  /** Own and inherited methods, by name. */
  readonly methods: ReadonlyMap<string, IdlMethod>
  readonly location: string
}

export interface IdlModel {
  /** The files read, main files first then includes, absolute paths. */
  readonly files: readonly string[]
  /** Services by name: unqualified for services in the listed files, `file.Service` for included ones. */
  readonly services: ReadonlyMap<string, IdlService>
  readonly structs: ReadonlyMap<string, IdlStruct>
  readonly enums: ReadonlyMap<string, IdlEnum>
}

export function fieldByName(fields: readonly IdlField[], name: string): IdlField | undefined {
  return fields.find((f) => f.name === name)
}

export function typeName(t: IdlType): string {
  switch (t.kind) {
    case 'base':
      return t.name
    case 'list':
    case 'set':
      return `${t.kind}<${typeName(t.elem)}>`
    case 'map':
      return `map<${typeName(t.key)}, ${typeName(t.value)}>`
    case 'struct':
    case 'enum':
      return t.name
  }
}
