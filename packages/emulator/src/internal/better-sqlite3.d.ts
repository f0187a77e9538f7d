// The part of better-sqlite3's API the emulator's SQLite client uses (the package ships no types).
declare module "better-sqlite3" {
  namespace Database {
    interface Statement {
      readonly reader: boolean
      readonly readonly: boolean
      all(...params: ReadonlyArray<unknown>): Array<any>
      run(...params: ReadonlyArray<unknown>): { readonly changes: number; readonly lastInsertRowid: number | bigint }
      raw(toggle?: boolean): this
      columns(): Array<{ readonly name: string }>
      safeIntegers(toggle?: boolean): this
    }
  }
  class Database {
    constructor(filename: string, options?: { readonly readonly?: boolean })
    readonly inTransaction: boolean
    readonly open: boolean
    prepare(sql: string): Database.Statement
    pragma(source: string): unknown
    serialize(): Uint8Array
    close(): void
  }
  export = Database
}
