/**
 * The emulator's SQLite client: the `SqlClient` of `@effect/sql-sqlite-node` (same connection rules,
 * same semaphore for transactions), built here so the connection can also be read synchronously.
 *
 * Why: an `@effect/sql` statement costs ~20 µs of effects around a read that SQLite answers in a few
 * µs, and the hot reads (the token of every request, the users search) run on every request.
 * `read` runs a SELECT straight on the connection and falls back to the `SqlClient` when it cannot:
 * while a `SqlClient` transaction is open (it would see uncommitted rows, and the `SqlClient` waits for
 * the transaction), for a statement that writes, or for a client that is not this one.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlConnection from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import Sqlite from "better-sqlite3"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"

const NativeId: unique symbol = Symbol.for("@connectycube-effect/emulator/internal/Sqlite/Native")

interface Native {
  /** The rows of a SELECT, or `undefined` when it must go through the `SqlClient` instead. */
  readonly read: (sql: string, params: ReadonlyArray<unknown>) => ReadonlyArray<any> | undefined
}

/** Prepared statements by SQL text, least recently used dropped first. */
const makePrepareCache = (db: Sqlite, capacity: number) => {
  const cache = new Map<string, Sqlite.Statement>()
  return (sql: string): Sqlite.Statement => {
    let statement = cache.get(sql)
    if (statement !== undefined) {
      cache.delete(sql)
    } else {
      statement = db.prepare(sql)
      if (cache.size >= capacity) cache.delete(cache.keys().next().value!)
    }
    cache.set(sql, statement)
    return statement
  }
}

/**
 * @param options.filename a file or `":memory:"`
 * @param options.disableWAL leave the journal mode alone (in-memory databases have no WAL)
 */
export const make = (options: { readonly filename: string; readonly disableWAL?: boolean | undefined }) =>
  Effect.gen(function*() {
    const compiler = Statement.makeCompilerSqlite()
    const db = new Sqlite(options.filename)
    if (options.disableWAL !== true) db.pragma("journal_mode = WAL")
    const prepare = makePrepareCache(db, 200)

    // The reads of one tick share one read transaction, ended in a microtask: outside a transaction
    // every statement takes and drops SQLite's file and WAL locks (system calls, about as much as a
    // small query), and a request reads twice (its token, then its data). Every other statement
    // ends the shared transaction first, so writes still commit on their own before the answer.
    const begin = db.prepare("BEGIN")
    const commit = db.prepare("COMMIT")
    const rollback = db.prepare("ROLLBACK")
    let shared = false
    const endShared = () => {
      if (!shared) return
      shared = false
      if (!db.open || !db.inTransaction) return
      try {
        commit.run()
      } catch {
        // A read transaction has nothing to keep; it must not stay open. This runs in a microtask: never throw.
        try {
          if (db.inTransaction) rollback.run()
        } catch {
          // the connection is unusable; the next statement reports it
        }
      }
    }
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        endShared()
        db.close()
      })
    )

    const fail = (cause: unknown, message: string) => new SqlError({ cause, message })
    const runStatement = (sql: string, params: ReadonlyArray<unknown>, raw: boolean) =>
      Effect.withFiberRuntime<ReadonlyArray<any>, SqlError>((fiber) => {
        let statement: Sqlite.Statement
        try {
          endShared()
          statement = prepare(sql)
        } catch (cause) {
          return Effect.fail(fail(cause, "Failed to prepare statement "))
        }
        if (Context.get(fiber.currentContext, SqlClient.SafeIntegers)) statement.safeIntegers(true)
        try {
          if (statement.reader) return Effect.succeed(statement.all(...params))
          const result = statement.run(...params)
          return Effect.succeed(raw ? result as any : [])
        } catch (cause) {
          return Effect.fail(fail(cause, "Failed to execute statement"))
        }
      })

    const connection: SqlConnection.Connection = {
      execute: (sql, params, transformRows) =>
        transformRows ? Effect.map(runStatement(sql, params, false), transformRows) : runStatement(sql, params, false),
      executeRaw: (sql, params) => runStatement(sql, params, true),
      executeValues: (sql, params) =>
        Effect.try({
          try: () => {
            endShared()
            const statement = prepare(sql)
            if (!statement.reader) {
              statement.run(...params)
              return []
            }
            statement.raw(true)
            try {
              return statement.all(...params)
            } finally {
              statement.raw(false)
            }
          },
          catch: (cause) => fail(cause, "Failed to execute statement")
        }),
      executeUnprepared: (sql, params, transformRows) => {
        const rows = Effect.try({
          try: () => {
            endShared()
            const statement = db.prepare(sql)
            return statement.reader ? statement.all(...params) : (statement.run(...params), [])
          },
          catch: (cause) => fail(cause, "Failed to execute statement")
        })
        return transformRows ? Effect.map(rows, transformRows) : rows
      },
      executeStream: () => Effect.dieMessage("executeStream not implemented")
    }

    // As in @effect/sql-sqlite-node: one connection; a transaction holds the semaphore until it ends.
    const semaphore = yield* Effect.makeSemaphore(1)
    const acquirer = semaphore.withPermits(1)(Effect.succeed(connection))
    const transactionAcquirer = Effect.uninterruptibleMask((restore) =>
      Effect.as(
        Effect.zipRight(
          restore(semaphore.take(1)),
          Effect.tap(Effect.scope, (scope) => Scope.addFinalizer(scope, semaphore.release(1)))
        ),
        connection
      )
    )
    const client = yield* SqlClient.make({
      acquirer,
      compiler,
      transactionAcquirer,
      spanAttributes: [["db.system.name", "sqlite"]]
    })
    // Rows are read as arrays and built here: better-sqlite3 builds each row object through the V8 API
    // (a property name lookup per column per row), a plain object literal loop is several times cheaper.
    const columnNames = new WeakMap<Sqlite.Statement, ReadonlyArray<string>>()
    const native: Native = {
      read: (sql, params) => {
        if (db.inTransaction && !shared) return undefined
        try {
          const statement = prepare(sql)
          // `readonly`, not just `reader`: an INSERT … RETURNING returns rows too, and must commit on its own
          if (!statement.reader || !statement.readonly) return undefined
          if (!shared) {
            begin.run()
            shared = true
            queueMicrotask(endShared)
          }
          statement.raw(true)
          let values: Array<Array<unknown>>
          try {
            values = statement.all(...params)
          } finally {
            statement.raw(false)
          }
          let names = columnNames.get(statement)
          // A schema change re-prepares `SELECT *` with other columns: read the names again then.
          if (names === undefined || (values.length > 0 && values[0]!.length !== names.length)) {
            names = statement.columns().map((column) => column.name)
            columnNames.set(statement, names)
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
    }
    return Object.assign(client, { [NativeId]: native })
  })

/**
 * The client as a layer (closed with the layer's scope).
 */
export const layer = (options: { readonly filename: string; readonly disableWAL?: boolean | undefined }): Layer.Layer<
  SqlClient.SqlClient
> => Layer.scoped(SqlClient.SqlClient, make(options)).pipe(Layer.provide(Reactivity.layer))

/**
 * Runs a SELECT synchronously when the client allows it (see the module comment), else through the
 * `SqlClient`. Same rows either way.
 */
export const read = <A extends object>(
  sql: SqlClient.SqlClient,
  text: string,
  params: ReadonlyArray<unknown>
): Effect.Effect<ReadonlyArray<A>, SqlError> => {
  const rows = unsafeRead<A>(sql, text, params)
  return rows === undefined ? sql.unsafe<A>(text, params as Array<unknown>) : Effect.succeed(rows)
}

/**
 * The rows of a SELECT run synchronously, or `undefined` when the client does not allow it (then use
 * `read`). For hot paths that go on with plain values instead of one more effect.
 */
export const unsafeRead = <A extends object>(
  sql: SqlClient.SqlClient,
  text: string,
  params: ReadonlyArray<unknown>
): ReadonlyArray<A> | undefined =>
  (sql as SqlClient.SqlClient & { readonly [NativeId]?: Native })[NativeId]?.read(text, params)
