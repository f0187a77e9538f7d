/**
 * The emulator's SQLite client: a `SqlClient` over one `node:sqlite` connection (the connection rules of
 * `@effect/sql-sqlite-node`: one semaphore, a transaction holds it until it ends, `BEGIN IMMEDIATE`),
 * built here so the connection can also be read synchronously.
 *
 * Why: an `effect/sql` statement costs several µs of effects around a read that SQLite answers in a few
 * µs, and the hot reads (the token of every request, the users search) run on every request.
 * `read` runs a SELECT straight on the connection and falls back to the `SqlClient` when it cannot:
 * while a `SqlClient` transaction is open (it would see uncommitted rows, and the `SqlClient` waits for
 * the transaction), for a statement that writes, or for a client that is not this one.
 *
 * `cachedRead` also keeps the rows of a SELECT while the database is unchanged: every statement the
 * `SqlClient` runs that may write (or whose kind is not known) and every commit of another connection
 * (`PRAGMA data_version`, checked when the WAL index says something was committed) drops them all. Polling
 * clients repeat the same few reads (a token, a search page), and a page costs more to read than the rest of
 * its request.
 */
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Reactivity from "effect/reactivity/Reactivity"
import type * as Pull from "effect/Pull"
import * as Semaphore from "effect/Semaphore"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlConnection from "effect/sql/SqlConnection"
import { classifySqliteError, SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import { constants, DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"

const NativeId: unique symbol = Symbol.for("@connectycube-effect/emulator/internal/Sqlite/Native")

interface Native {
  /** The rows of a SELECT, or `undefined` when it must go through the `SqlClient` instead. */
  readonly read: (sql: string, params: ReadonlyArray<unknown>) => ReadonlyArray<any> | undefined
  /** `read`, answered from the rows kept since the database last changed when it can. */
  readonly cachedRead: (sql: string, params: ReadonlyArray<unknown>) => ReadonlyArray<any> | undefined
}

/** What a prepared statement is, found out once when it is prepared. */
interface Info {
  /** Returns rows (a SELECT, or a write with RETURNING). */
  readonly reader: boolean
  /** Reads only (node:sqlite has no `sqlite3_stmt_readonly`: the authorizer saw no other action). */
  readonly readonly: boolean
  /** Column names for rows read as arrays; read again when a schema change altered them. */
  names: ReadonlyArray<string> | undefined
}

// The authorizer actions of a statement that only reads.
const READ_ACTIONS = new Set([constants.SQLITE_SELECT, constants.SQLITE_READ, constants.SQLITE_FUNCTION, 33 /* SQLITE_RECURSIVE */])

/** Prepared statements by SQL text, least recently used dropped first, each with its `Info`. */
const makePrepareCache = (db: DatabaseSync, capacity: number) => {
  const cache = new Map<string, StatementSync>()
  const infos = new WeakMap<StatementSync, Info>()
  let readsOnly = true
  const authorizer = (action: number) => {
    if (!READ_ACTIONS.has(action)) readsOnly = false
    return constants.SQLITE_OK
  }
  const prepare = (sql: string): StatementSync => {
    let statement = cache.get(sql)
    if (statement !== undefined) {
      cache.delete(sql)
    } else {
      // The authorizer runs only while this statement is compiled (prepare is synchronous).
      readsOnly = true
      db.setAuthorizer(authorizer)
      try {
        statement = db.prepare(sql)
      } finally {
        db.setAuthorizer(null)
      }
      const reader = statement.columns().length > 0
      infos.set(statement, { reader, readonly: reader && readsOnly, names: undefined })
      if (cache.size >= capacity) cache.delete(cache.keys().next().value!)
    }
    cache.set(sql, statement)
    return statement
  }
  return { prepare, info: (statement: StatementSync): Info => infos.get(statement)! }
}

// node:sqlite reports the SQLite result code as `errcode`; the classifier reads `errno`.
const classify = (cause: unknown, message: string, operation: string) => {
  if (typeof cause === "object" && cause !== null && "errcode" in cause && !("errno" in cause)) {
    Object.assign(cause, { errno: (cause as { readonly errcode: unknown }).errcode })
  }
  return new SqlError({ reason: classifySqliteError(cause, { message, operation }) })
}

/** Rows read per pull of `executeStream`. */
const STREAM_CHUNK = 128

const bind = (params: ReadonlyArray<unknown>) => params as Array<SQLInputValue>

/** The first copy of the WAL-index header, at the start of the `-shm` file (https://www.sqlite.org/walformat.html). */
const WAL_INDEX_HEADER = 48

/** The bounds of `cachedRead`'s memory: past either, it is emptied. */
const CACHED_STATEMENTS = 256
const CACHED_ROWS = 5_000

/**
 * The parameters as a key of `cachedRead`, or `undefined` for values it does not keep results of (only
 * text, safe integers and null: two keys are equal exactly when SQLite binds the same values).
 */
const paramsKey = (params: ReadonlyArray<unknown>): string | undefined => {
  // "s…" never starts like the JSON array of the general case
  if (params.length === 1 && typeof params[0] === "string") return `s${params[0]}`
  for (const p of params) {
    if (!(p === null || typeof p === "string" || (typeof p === "number" && Number.isSafeInteger(p) && !Object.is(p, -0)))) {
      return undefined
    }
  }
  return JSON.stringify(params)
}

/**
 * @param options.filename a file or `":memory:"`
 * @param options.disableWAL leave the journal mode alone (in-memory databases have no WAL)
 */
export const make = (options: { readonly filename: string; readonly disableWAL?: boolean | undefined }) =>
  Effect.gen(function*() {
    const compiler = Statement.makeCompilerSqlite()
    const db = yield* Effect.try({
      try: () => new DatabaseSync(options.filename),
      catch: (cause) => classify(cause, "Failed to open database", "connect")
    })
    yield* Effect.try({
      try: () => {
        db.exec("PRAGMA busy_timeout = 5000")
        if (options.disableWAL !== true) db.exec("PRAGMA journal_mode = WAL")
      },
      catch: (cause) => {
        db.close()
        return classify(cause, "Failed to configure database", "connect")
      }
    })
    const { info, prepare } = makePrepareCache(db, 200)

    // The reads of one tick share one read transaction, ended in a microtask: outside a transaction
    // every statement takes and drops SQLite's file and WAL locks (system calls, about as much as a
    // small query), and a request reads twice (its token, then its data). Every other statement
    // ends the shared transaction first, so writes still commit on their own before the answer.
    const begin = db.prepare("BEGIN")
    const commit = db.prepare("COMMIT")
    const rollback = db.prepare("ROLLBACK")
    const dataVersion = db.prepare("PRAGMA data_version")
    dataVersion.setReturnArrays(true)
    let shared = false
    // What `cachedRead` knows of changes: `generation` moves on every statement the SqlClient runs that may
    // write and on every commit of another connection, seen as a new `data_version` (read once per shared
    // read transaction: its snapshot does not change while it is open).
    let generation = 0
    let seenDataVersion: unknown = undefined
    let versionRead = false
    // Whether anything was committed since `data_version` was last read, without a read transaction (it
    // takes and drops file locks: as much as the rest of a kept answer): the WAL-index header in the
    // `-shm` file (`walIndex`, opened at the first check) changes with every commit of every connection.
    // `checkedHeader` is the header read just before the snapshot `data_version` was last read in. No
    // other connection can open a private in-memory database: nothing to check there.
    const privateDb = options.filename === ":memory:" || options.filename === ""
    let walIndex: number | null | undefined = privateDb ? null : undefined
    const header = Buffer.alloc(WAL_INDEX_HEADER)
    let checkedHeader: Buffer | undefined
    const readHeader = (): boolean => {
      if (typeof walIndex !== "number") return false
      try {
        return Fs.readSync(walIndex, header, 0, WAL_INDEX_HEADER, 0) === WAL_INDEX_HEADER
      } catch {
        return false
      }
    }
    const openWalIndex = () => {
      walIndex = null
      try {
        const mode = (db.prepare("PRAGMA journal_mode").get() as { readonly journal_mode?: unknown } | undefined)?.journal_mode
        // `location()` is the path SQLite resolved (symbolic links followed), which its `-shm` file is named after
        const location = typeof db.location === "function" ? db.location() : null
        if (mode === "wal" && typeof location === "string" && location !== "") {
          walIndex = Fs.openSync(`${location}-shm`, "r")
        }
      } catch {
        // no WAL index to read: every check reads `data_version`
      }
    }
    const othersUnchanged = () => privateDb || (checkedHeader !== undefined && readHeader() && header.equals(checkedHeader))
    const checkOthers = () => {
      if (privateDb) return
      // only a header read before this snapshot starts (the shared transaction is opened here) can be checked against
      const before = !shared && readHeader() ? Buffer.from(header) : undefined
      openShared()
      if (versionRead) return
      const version = (dataVersion.get() as unknown as ReadonlyArray<unknown>)[0]
      versionRead = true
      if (version !== seenDataVersion) {
        seenDataVersion = version
        changed()
      }
      checkedHeader = before
      if (walIndex === undefined) openWalIndex()
    }
    const cached = new Map<string, Map<string, ReadonlyArray<any>>>()
    let cachedGeneration = 0
    let cachedStatements = 0
    let cachedRows = 0
    const changed = () => {
      generation++
    }
    const endShared = () => {
      if (!shared) return
      shared = false
      if (!db.isOpen || !db.isTransaction) return
      try {
        commit.run()
      } catch {
        // A read transaction has nothing to keep; it must not stay open. This runs in a microtask: never throw.
        try {
          if (db.isTransaction) rollback.run()
        } catch {
          // the connection is unusable; the next statement reports it
        }
      }
    }
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        endShared()
        if (typeof walIndex === "number") Fs.closeSync(walIndex)
        walIndex = null
        db.close()
      })
    )

    const runStatement = (sql: string, params: ReadonlyArray<unknown>, raw: boolean) =>
      Effect.withFiber<ReadonlyArray<any>, SqlError>((fiber) => {
        let statement: StatementSync
        try {
          endShared()
          statement = prepare(sql)
        } catch (cause) {
          return Effect.fail(classify(cause, "Failed to prepare statement", "prepare"))
        }
        if (!info(statement).readonly) changed()
        try {
          statement.setReadBigInts(fiber.getRef(SqlClient.SafeIntegers))
          if (!raw || info(statement).reader) return Effect.succeed(statement.all(...bind(params)))
          const result = statement.run(...bind(params))
          return Effect.succeed({ changes: result.changes, lastInsertRowid: result.lastInsertRowid } as any)
        } catch (cause) {
          return Effect.fail(classify(cause, "Failed to execute statement", "execute"))
        }
      })

    const runValues = (statement: () => StatementSync, params: ReadonlyArray<unknown>) =>
      Effect.withFiber<ReadonlyArray<ReadonlyArray<unknown>>, SqlError>((fiber) =>
        Effect.try({
          try: () => {
            endShared()
            changed()
            const prepared = statement()
            prepared.setReadBigInts(fiber.getRef(SqlClient.SafeIntegers))
            prepared.setReturnArrays(true)
            try {
              return prepared.all(...bind(params)) as unknown as ReadonlyArray<ReadonlyArray<unknown>>
            } finally {
              prepared.setReturnArrays(false)
            }
          },
          catch: (cause) => classify(cause, "Failed to execute statement", "execute")
        })
      )

    // A stream reads its rows through an iterator of its own statement (not the cached one: other
    // statements may run between two pulls), in chunks; it holds the connection until it ends.
    const openRows = (sql: string, params: ReadonlyArray<unknown>) =>
      Effect.withFiber<Iterator<unknown>, SqlError>((fiber) =>
        Effect.try({
          try: () => {
            endShared()
            changed()
            const statement = db.prepare(sql)
            statement.setReadBigInts(fiber.getRef(SqlClient.SafeIntegers))
            return statement.iterate(...bind(params))
          },
          catch: (cause) => classify(cause, "Failed to execute statement", "executeStream")
        })
      )
    const pullRows = (
      rows: Iterator<unknown>,
      transformRows: (<A extends object>(row: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
    ): Pull.Pull<Arr.NonEmptyReadonlyArray<any>, SqlError> =>
      Effect.suspend((): Pull.Pull<Arr.NonEmptyReadonlyArray<any>, SqlError> => {
        const chunk: Array<any> = []
        try {
          while (chunk.length < STREAM_CHUNK) {
            const next = rows.next()
            if (next.done === true) break
            chunk.push(next.value)
          }
        } catch (cause) {
          return Effect.fail(classify(cause, "Failed to execute statement", "executeStream"))
        }
        if (chunk.length === 0) return Cause.done()
        return Effect.succeed((transformRows ? transformRows(chunk) : chunk) as Arr.NonEmptyReadonlyArray<any>)
      })

    const connection: SqlConnection.Connection = {
      execute: (sql, params, transformRows) =>
        transformRows ? Effect.map(runStatement(sql, params, false), transformRows) : runStatement(sql, params, false),
      executeRaw: (sql, params) => runStatement(sql, params, true),
      executeValues: (sql, params) => runValues(() => prepare(sql), params),
      executeValuesUnprepared: (sql, params) => runValues(() => db.prepare(sql), params),
      executeUnprepared: (sql, params, transformRows) => {
        const rows = Effect.withFiber<ReadonlyArray<any>, SqlError>((fiber) =>
          Effect.try({
            try: () => {
              endShared()
              // BEGIN, COMMIT and ROLLBACK come this way too
              changed()
              const statement = db.prepare(sql)
              statement.setReadBigInts(fiber.getRef(SqlClient.SafeIntegers))
              return statement.all(...bind(params ?? []))
            },
            catch: (cause) => classify(cause, "Failed to execute statement", "execute")
          })
        )
        return transformRows ? Effect.map(rows, transformRows) : rows
      },
      executeStream: (sql, params, transformRows) =>
        Stream.unwrap(Effect.map(
          Effect.acquireRelease(openRows(sql, params), (rows) => Effect.sync(() => rows.return?.())),
          (rows) => Stream.fromPull(Effect.succeed(pullRows(rows, transformRows)))
        ))
    }

    // As in @effect/sql-sqlite-node: one connection; a transaction holds the semaphore until it ends.
    const { acquirer, borrower, isTransaction, onCommitFailure, transactionAcquirer } = SqlClient.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore: yield* Semaphore.make(1),
      // the shared read transaction is not the SqlClient's
      isTransaction: () => db.isTransaction && !shared
    })
    const client = yield* SqlClient.make({
      driver: "sqlite-node",
      acquirer,
      borrower,
      compiler,
      transactionAcquirer,
      onCommitFailure,
      isTransaction,
      releaseSavepoint: (name) => `RELEASE SAVEPOINT ${name}`,
      beginTransaction: "BEGIN IMMEDIATE",
      spanAttributes: [["db.system.name", "sqlite"]]
    })
    // Rows are read as arrays and built here (a plain object literal loop), as with better-sqlite3 before:
    // node:sqlite builds null-prototype row objects through the V8 API.
    const openShared = () => {
      if (shared) return
      begin.run()
      shared = true
      versionRead = false
      queueMicrotask(endShared)
    }
    const read: Native["read"] = (sql, params) => {
      if (db.isTransaction && !shared) return undefined
      try {
        const statement = prepare(sql)
        const about = info(statement)
        // `readonly`, not just `reader`: an INSERT … RETURNING returns rows too, and must commit on its own
        if (!about.readonly) return undefined
        openShared()
        statement.setReadBigInts(false)
        statement.setReturnArrays(true)
        let values: Array<Array<unknown>>
        try {
          values = statement.all(...bind(params)) as unknown as Array<Array<unknown>>
        } finally {
          statement.setReturnArrays(false)
        }
        let names = about.names
        // A schema change re-prepares `SELECT *` with other columns: read the names again then.
        if (names === undefined || (values.length > 0 && values[0]!.length !== names.length)) {
          names = statement.columns().map((column) => column.name)
          about.names = names
        }
        const rows = new Array<Record<string, unknown>>(values.length)
        for (let r = 0; r < values.length; r++) {
          const row: Record<string, unknown> = {}
          const value = values[r]!
          for (let c = 0; c < names.length; c++) row[names[c]!] = value[c]
          rows[r] = row
        }
        return rows
      } catch {
        // The SqlClient runs it again and reports the error as a SqlError.
        return undefined
      }
    }
    const cachedRead: Native["cachedRead"] = (sql, params) => {
      if (db.isTransaction && !shared) return undefined
      const key = paramsKey(params)
      if (key === undefined) return read(sql, params)
      if (!othersUnchanged()) {
        try {
          checkOthers()
        } catch {
          return read(sql, params)
        }
      }
      if (cachedGeneration !== generation) {
        cached.clear()
        cachedGeneration = generation
        cachedStatements = 0
        cachedRows = 0
      }
      let results = cached.get(sql)
      const hit = results?.get(key)
      if (hit !== undefined) return hit
      const rows = read(sql, params)
      if (rows === undefined) return undefined
      if (cachedStatements >= CACHED_STATEMENTS || cachedRows + rows.length > CACHED_ROWS) {
        cached.clear()
        cachedStatements = 0
        cachedRows = 0
        results = undefined
      }
      if (results === undefined) {
        results = new Map()
        cached.set(sql, results)
      }
      results.set(key, rows)
      cachedStatements++
      cachedRows += rows.length
      return rows
    }
    const native: Native = { read, cachedRead }
    return Object.assign(client, { [NativeId]: native })
  })

/**
 * The client as a layer (closed with the layer's scope).
 */
export const layer = (options: { readonly filename: string; readonly disableWAL?: boolean | undefined }): Layer.Layer<
  SqlClient.SqlClient,
  SqlError
> => Layer.effect(SqlClient.SqlClient, make(options)).pipe(Layer.provide(Reactivity.layer))

/** This module's synchronous side of a client, when the client is one of this module's. */
const nativeOf = (sql: SqlClient.SqlClient): Native | undefined =>
  (sql as SqlClient.SqlClient & { readonly [NativeId]?: Native })[NativeId]

/** Rows read synchronously, or the same statement through the `SqlClient` when they could not be. */
const orClient = <A extends object>(
  sql: SqlClient.SqlClient,
  text: string,
  params: ReadonlyArray<unknown>,
  rows: ReadonlyArray<A> | undefined
): Effect.Effect<ReadonlyArray<A>, SqlError> =>
  rows === undefined ? sql.unsafe<A>(text, params as Array<unknown>) : Effect.succeed(rows)

/**
 * Runs a SELECT synchronously when the client allows it (see the module comment), else through the
 * `SqlClient`. Same rows either way.
 */
export const read = <A extends object>(
  sql: SqlClient.SqlClient,
  text: string,
  params: ReadonlyArray<unknown>
): Effect.Effect<ReadonlyArray<A>, SqlError> => orClient(sql, text, params, unsafeRead<A>(sql, text, params))

/**
 * `read` for reads that repeat: while the database is unchanged (see the module comment), the same statement
 * and parameters get the same rows, the same array as the first time, so it and its rows must not be mutated.
 */
export const cachedRead = <A extends object>(
  sql: SqlClient.SqlClient,
  text: string,
  params: ReadonlyArray<unknown>
): Effect.Effect<ReadonlyArray<A>, SqlError> => orClient(sql, text, params, unsafeCachedRead<A>(sql, text, params))

/**
 * `cachedRead` run synchronously, or `undefined` when the client does not allow it (as `unsafeRead`).
 */
export const unsafeCachedRead = <A extends object>(
  sql: SqlClient.SqlClient,
  text: string,
  params: ReadonlyArray<unknown>
): ReadonlyArray<A> | undefined =>
  nativeOf(sql)?.cachedRead(text, params)

/**
 * The rows of a SELECT run synchronously, or `undefined` when the client does not allow it (then use
 * `read`). For hot paths that go on with plain values instead of one more effect.
 */
export const unsafeRead = <A extends object>(
  sql: SqlClient.SqlClient,
  text: string,
  params: ReadonlyArray<unknown>
): ReadonlyArray<A> | undefined =>
  nativeOf(sql)?.read(text, params)
