// Logging: pino JSON lines with secrets redacted.
export { createLogger, type Logger, type LoggerOptions } from './logger.js'
