// The parts of rocksdb-native 3.x (a CommonJS module without typings) that the index uses.
declare module 'rocksdb-native' {
  interface IteratorRange {
    gt?: Buffer
    gte?: Buffer
    lt?: Buffer
    lte?: Buffer
    reverse?: boolean
    limit?: number
  }
  interface IteratorOptions {
    values?: boolean
    capacity?: number
  }
  interface ReadBatch {
    get(key: Buffer): Promise<Buffer | null>
    tryFlush(): void
    flush(): Promise<void>
    destroy(): void
  }
  interface WriteBatch {
    put(key: Buffer, value: Buffer): Promise<void>
    tryPut(key: Buffer, value: Buffer): void
    tryDelete(key: Buffer): void
    tryDeleteRange(start: Buffer, end: Buffer): void
    flush(): Promise<void>
    destroy(): void
  }
  interface BatchOptions {
    capacity?: number
    autoDestroy?: boolean
  }
  interface OpenOptions {
    readOnly?: boolean
    createIfMissing?: boolean
    /** Default column family's memtable size (bytes); the library's default is 64 MiB. */
    writeBufferSize?: number
    /** Memtables kept before writes stall (default 2). */
    maxWriteBufferNumber?: number
  }
  class RocksDB {
    constructor(path: string, opts?: OpenOptions)
    readonly opened: boolean
    readonly closed: boolean
    ready(): Promise<void>
    close(opts?: { force?: boolean }): Promise<void>
    read(opts?: BatchOptions): ReadBatch
    write(opts?: BatchOptions): WriteBatch
    get(key: Buffer): Promise<Buffer | null>
    snapshot(): RocksDB
    iterator(range: IteratorRange, opts?: IteratorOptions): AsyncIterable<{ key: Buffer; value: Buffer }>
    getProperty(name: string): Promise<string>
  }
  export default RocksDB
}
