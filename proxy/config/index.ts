// The config folder: load and validate a thriftgate config file, load Thrift IDL, explain a config.
export { loadConfig, type LoadOptions } from './load.js'
export { explainConfig } from './explain.js'
export { ConfigError, ConfigErrorCode, IdlError, formatProblem, type ConfigProblem } from './errors.js'
export { loadIdl } from './idl.js'
export * from './idl-model.js'
export type { InvalidationExpr, InvalidationBinding, PathSegment } from './invalidation.js'
export { parseInvalidation, InvalidationSyntaxError } from './invalidation.js'
export { CONFIG_ENV, ENV_VARS, type Override } from './overrides.js'
export { redactUrl } from './redact.js'
export { DEFAULTS } from './defaults.js'
export { SCHEMA_URL } from './validate.js'
export * from './types.js'
export {
  parseDuration,
  parseSize,
  parseHostPort,
  formatDuration,
  formatSize,
  formatHostPort,
  isLoopback,
  type HostPort,
} from './units.js'
