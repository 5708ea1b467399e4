// The generated UserService code (thrift-compiler output, CommonJS) for the demo client. It lives in
// proxy/demo/gen; the compiled CLI (dist/cli/) finds it through the package root.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface UserGen {
  readonly UserService: unknown
  readonly types: { User: new (a: object) => object; NotFound: new (a: object) => Error }
}

export function userServiceGen(): UserGen {
  const here = dirname(fileURLToPath(import.meta.url))
  const dir = [join(here, '..', 'demo', 'gen'), join(here, '..', '..', 'proxy', 'demo', 'gen')].find((d) => existsSync(join(d, 'UserService.js')))
  if (dir === undefined) throw new Error('the generated UserService code (proxy/demo/gen) is missing: run scripts/gen-thrift.sh')
  const require = createRequire(join(dir, 'UserService.js'))
  return { UserService: require('./UserService.js') as unknown, types: require('./user_types.js') as UserGen['types'] }
}
