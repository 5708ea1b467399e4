// Loads Thrift IDL files into an IdlModel with @creditkarma/thrift-parser. Includes are resolved
// relative to the including file (as the Thrift compiler does before its -I search paths);
// typedefs are followed to their target; `extends` chains are flattened. Every error names file:line.
import { readFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import {
  createParser,
  createScanner,
  SyntaxType,
  type FieldDefinition,
  type FunctionType,
  type ThriftDocument,
  type ThriftError,
} from '@creditkarma/thrift-parser'
import { IdlError } from './errors.js'
import type { IdlBaseType, IdlEnum, IdlField, IdlMethod, IdlModel, IdlService, IdlStruct, IdlType } from './idl-model.js'

interface ParsedFile {
  readonly path: string
  /** The name other files use to refer to its definitions: `include "shared.thrift"` -> `shared`. */
  readonly scope: string
  readonly doc: ThriftDocument
  /** Include scope name -> absolute path. */
  readonly includes: Map<string, string>
}

const BASE: Partial<Record<string, IdlBaseType>> = {
  [SyntaxType.BoolKeyword]: 'bool',
  [SyntaxType.ByteKeyword]: 'byte',
  [SyntaxType.I8Keyword]: 'i8',
  [SyntaxType.I16Keyword]: 'i16',
  [SyntaxType.I32Keyword]: 'i32',
  [SyntaxType.I64Keyword]: 'i64',
  [SyntaxType.DoubleKeyword]: 'double',
  [SyntaxType.StringKeyword]: 'string',
  [SyntaxType.BinaryKeyword]: 'binary',
}

function parseOne(path: string): ThriftDocument {
  let source: string
  try {
    source = readFileSync(path, 'utf8')
  } catch (err) {
    throw new IdlError(`cannot read IDL file ${path}: ${(err as Error).message}`, [path], { cause: err })
  }
  // Drive the scanner and parser ourselves: the library's parse() prints errors to the console.
  const errors: ThriftError[] = []
  const scanner = createScanner(source, (e) => {
    errors.push(e)
    scanner.syncronize()
  })
  const tokens = scanner.scan()
  const parser = createParser(tokens, (e) => {
    errors.push(e)
    parser.synchronize()
  })
  const doc = parser.parse()
  if (errors.length > 0) {
    const where = errors.map((e) => `${path}:${e.loc.start.line}`)
    const lines = errors.map((e, i) => `${where[i]}: ${e.message}`)
    throw new IdlError(`IDL syntax error${errors.length > 1 ? 's' : ''}:\n  ${lines.join('\n  ')}`, where)
  }
  return doc
}

/** Reads the given files and everything they include (each file once; include cycles are an error). */
function readAll(mainFiles: readonly string[]): Map<string, ParsedFile> {
  const files = new Map<string, ParsedFile>()
  const visiting = new Set<string>()
  const visit = (path: string, from: string | undefined): void => {
    if (files.has(path)) return
    if (visiting.has(path)) throw new IdlError(`include cycle: ${from ?? '?'} includes ${path} again`, [from ?? path])
    visiting.add(path)
    const doc = parseOne(path)
    const includes = new Map<string, string>()
    for (const s of doc.body) {
      if (s.type !== SyntaxType.IncludeDefinition) continue
      const target = resolve(dirname(path), s.path.value)
      includes.set(basename(s.path.value).replace(/\.thrift$/, ''), target)
      visit(target, `${path}:${s.loc.start.line}`)
    }
    visiting.delete(path)
    files.set(path, { path, scope: basename(path).replace(/\.thrift$/, ''), doc, includes })
  }
  for (const f of mainFiles) visit(f, undefined)
  return files
}

type Def =
  | { kind: 'struct'; file: ParsedFile; node: Extract<ThriftDocument['body'][number], { fields: FieldDefinition[] }> }
  | { kind: 'enum'; file: ParsedFile; name: string }
  | { kind: 'typedef'; file: ParsedFile; target: FunctionType; line: number }
  | { kind: 'service'; file: ParsedFile; name: string }

/** Loads `files` (absolute or relative to the working directory) into one model. */
export function loadIdl(fileList: readonly string[]): IdlModel {
  const mainPaths = fileList.map((f) => resolve(f))
  const main = new Set(mainPaths)
  const files = readAll(mainPaths)
  // Definitions by file and name, and the public name in the model: unqualified for a name
  // defined once among the listed files, `scope.Name` for included files and for clashes.
  const defs = new Map<string, Def>()
  const mainCount = new Map<string, number>()
  for (const file of files.values()) {
    if (!main.has(file.path)) continue
    for (const s of file.doc.body) if ('name' in s && s.type !== SyntaxType.NamespaceDefinition && s.type !== SyntaxType.ConstDefinition) mainCount.set(s.name.value, (mainCount.get(s.name.value) ?? 0) + 1)
  }
  const publicName = (file: ParsedFile, name: string): string =>
    main.has(file.path) && mainCount.get(name) === 1 ? name : `${file.scope}.${name}`
  const seenPublic = new Map<string, string>()
  for (const file of files.values()) {
    for (const s of file.doc.body) {
      let def: Def | undefined
      let name: string | undefined
      switch (s.type) {
        case SyntaxType.StructDefinition:
        case SyntaxType.UnionDefinition:
        case SyntaxType.ExceptionDefinition:
          def = { kind: 'struct', file, node: s }
          name = s.name.value
          break
        case SyntaxType.EnumDefinition:
          def = { kind: 'enum', file, name: s.name.value }
          name = s.name.value
          break
        case SyntaxType.TypedefDefinition:
          def = { kind: 'typedef', file, target: s.definitionType, line: s.loc.start.line }
          name = s.name.value
          break
        case SyntaxType.ServiceDefinition:
          def = { kind: 'service', file, name: s.name.value }
          name = s.name.value
          break
        default:
          break
      }
      if (def === undefined || name === undefined) continue
      const where = `${file.path}:${s.loc.start.line}`
      defs.set(`${file.path}::${name}`, def)
      const pub = publicName(file, name)
      const prev = seenPublic.get(pub)
      if (prev !== undefined) throw new IdlError(`${where}: '${pub}' is already defined at ${prev}`, [where])
      seenPublic.set(pub, where)
    }
  }
  const lookup = (file: ParsedFile, ident: string, where: string): Def => {
    const dot = ident.lastIndexOf('.')
    let target = file
    let name = ident
    if (dot >= 0) {
      const inc = file.includes.get(ident.slice(0, dot))
      const incFile = inc === undefined ? undefined : files.get(inc)
      if (incFile === undefined) throw new IdlError(`${where}: '${ident}' refers to '${ident.slice(0, dot)}', which this file does not include`, [where])
      target = incFile
      name = ident.slice(dot + 1)
    }
    const def = defs.get(`${target.path}::${name}`)
    if (def === undefined) throw new IdlError(`${where}: unknown type '${ident}'`, [where])
    return def
  }

  const typeOf = (file: ParsedFile, t: FunctionType, line: number, depth = 0): IdlType | undefined => {
    const where = `${file.path}:${line}`
    if (t.type === SyntaxType.VoidKeyword) return undefined
    const base = BASE[t.type]
    if (base !== undefined) return { kind: 'base', name: base }
    switch (t.type) {
      case SyntaxType.ListType:
      case SyntaxType.SetType: {
        const elem = typeOf(file, t.valueType, line, depth)
        if (elem === undefined) throw new IdlError(`${where}: a container cannot hold void`, [where])
        return { kind: t.type === SyntaxType.ListType ? 'list' : 'set', elem }
      }
      case SyntaxType.MapType: {
        const key = typeOf(file, t.keyType, line, depth)
        const value = typeOf(file, t.valueType, line, depth)
        if (key === undefined || value === undefined) throw new IdlError(`${where}: a map cannot hold void`, [where])
        return { kind: 'map', key, value }
      }
      case SyntaxType.Identifier: {
        // The parser predates the uuid type (Thrift 0.19) and sees it as a name.
        if (t.value === 'uuid') return { kind: 'base', name: 'uuid' }
        const def = lookup(file, t.value, where)
        switch (def.kind) {
          case 'struct':
            return { kind: 'struct', name: publicName(def.file, def.node.name.value) }
          case 'enum':
            return { kind: 'enum', name: publicName(def.file, def.name) }
          case 'typedef':
            if (depth > 32) throw new IdlError(`${where}: typedef cycle through '${t.value}'`, [where])
            return typeOf(def.file, def.target, def.line, depth + 1)
          case 'service':
            throw new IdlError(`${where}: '${t.value}' is a service, not a type`, [where])
        }
      }
      // falls through: every SyntaxType a FunctionType can have is handled above
      default:
        throw new IdlError(`${where}: unsupported type ${t.type}`, [where])
    }
  }

  const fieldsOf = (file: ParsedFile, fields: readonly FieldDefinition[]): IdlField[] => {
    // Thrift gives fields without an explicit id negative ids counting down from -1.
    let auto = -1
    const out: IdlField[] = []
    for (const f of fields) {
      const line = f.loc.start.line
      const type = typeOf(file, f.fieldType, line)
      if (type === undefined) throw new IdlError(`${file.path}:${line}: field '${f.name.value}' cannot be void`, [`${file.path}:${line}`])
      out.push({ id: f.fieldID?.value ?? auto--, name: f.name.value, type, requiredness: f.requiredness ?? 'default' })
    }
    return out
  }

  const structs = new Map<string, IdlStruct>()
  const enums = new Map<string, IdlEnum>()
  const services = new Map<string, IdlService>()
  for (const file of files.values()) {
    for (const s of file.doc.body) {
      const location = `${file.path}:${s.loc.start.line}`
      if (s.type === SyntaxType.StructDefinition || s.type === SyntaxType.UnionDefinition || s.type === SyntaxType.ExceptionDefinition) {
        const kind = s.type === SyntaxType.StructDefinition ? 'struct' : s.type === SyntaxType.UnionDefinition ? 'union' : 'exception'
        const name = publicName(file, s.name.value)
        structs.set(name, { name, kind, fields: fieldsOf(file, s.fields), location })
      } else if (s.type === SyntaxType.EnumDefinition) {
        const values = new Map<string, number>()
        let next = 0
        for (const m of s.members) {
          const v = m.initializer === null ? next : Number(m.initializer.value.value)
          values.set(m.name.value, v)
          next = v + 1
        }
        const name = publicName(file, s.name.value)
        enums.set(name, { name, values })
      }
    }
  }
  // Services last: `extends` may point at a service defined later or in an include.
  const building = new Set<string>()
  const buildService = (file: ParsedFile, name: string): IdlService => {
    const pub = publicName(file, name)
    const done = services.get(pub)
    if (done !== undefined) return done
    const node = file.doc.body.find((s) => s.type === SyntaxType.ServiceDefinition && s.name.value === name)
    if (node === undefined || node.type !== SyntaxType.ServiceDefinition) throw new IdlError(`${file.path}: no service '${name}'`, [file.path])
    const location = `${file.path}:${node.loc.start.line}`
    if (building.has(pub)) throw new IdlError(`${location}: service '${name}' extends itself`, [location])
    building.add(pub)
    const methods = new Map<string, IdlMethod>()
    let parentName: string | undefined
    if (node.extends !== null) {
      const def = lookup(file, node.extends.value, location)
      if (def.kind !== 'service') throw new IdlError(`${location}: '${node.extends.value}' is not a service`, [location])
      const parent = buildService(def.file, def.name)
      parentName = parent.name
      for (const [k, m] of parent.methods) methods.set(k, m)
    }
    for (const fn of node.functions) {
      const line = fn.loc.start.line
      methods.set(fn.name.value, {
        name: fn.name.value,
        oneway: fn.oneway,
        args: fieldsOf(file, fn.fields),
        returns: typeOf(file, fn.returnType, line),
        throws: fieldsOf(file, fn.throws),
        declaredIn: pub,
      })
    }
    const svc: IdlService = { name: pub, extends: parentName, methods, location }
    building.delete(pub)
    services.set(pub, svc)
    return svc
  }
  for (const file of files.values()) {
    for (const s of file.doc.body) if (s.type === SyntaxType.ServiceDefinition) buildService(file, s.name.value)
  }
  return { files: [...mainPaths, ...[...files.keys()].filter((p) => !main.has(p))], services, structs, enums }
}
