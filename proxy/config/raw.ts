// The config file's shape as written (after schema validation), before normalisation.

export interface RawRead {
  ttl: string
  grace?: string
  keep?: string
  negativeTtl?: string
  negative?: string[]
  vary?: string[]
}

export interface RawEntity {
  get: string
  key: string
  indexes?: Record<string, { unique?: boolean; field?: string }>
  writes?: Record<string, { upsert?: string; delete?: string }>
  lookups?: Record<string, { index: string; arg?: string; range?: [string, string]; order?: 'key' | 'index'; limit?: string }>
  scan?: { method: string; after: string; limit: string }
}

export interface RawService {
  timeouts?: Record<string, string>
  oneway?: string[]
  reads?: Record<string, RawRead>
  writes?: Record<string, { invalidates: string[] }>
  entities?: Record<string, RawEntity>
}

export interface RawConfig {
  listen?: string
  upstream?: string
  admin?: string
  adminToken?: string
  adminWithoutToken?: 'refuse' | 'read-only'
  transport?: 'auto' | 'framed' | 'unframed' | 'header'
  protocol?: 'auto' | 'binary' | 'compact'
  timeouts?: { connect?: string; request?: string }
  limits?: {
    maxConnections?: number
    maxInFlightPerConnection?: number
    maxFrameSize?: number | string
    maxDepth?: number
    idleTimeout?: string
    maxBufferedBytes?: number | string
    maxInFlightTotal?: number
    maxBufferedBytesTotal?: number | string
    messageTimeout?: string
    slowClientTimeout?: string
  }
  drain?: { deadline?: string }
  log?: { level?: string }
  idl?: string[]
  pool?: { size?: number; maxQueue?: number; idleTimeout?: string }
  cache?: {
    memory?: { maxBytes?: number | string }
    redis?: {
      url: string
      username?: string
      password?: string
      tls?: { ca?: string; cert?: string; key?: string; servername?: string; rejectUnauthorized?: boolean }
      keyPrefix?: string
      timeout?: string
      lease?: string
      leaseWait?: string
      connectWait?: string
      breaker?: { failures?: number; cooldown?: string }
    }
  }
  index?: { path: string; replication?: { redis?: string; stream?: string; maxLen?: number }; autoBackfill?: boolean; maxRangeScan?: number; fetchConcurrency?: number; writeBufferSize?: number | string; slotCache?: number | string }
  services?: Record<string, RawService>
}
