import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as SqlClient from "effect/sql/SqlClient"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import * as Db from "../src/internal/Db.js"
import { migrations } from "../src/internal/Migrations.js"
import * as Sqlite from "../src/internal/Sqlite.js"

const setup = Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`)
const readAll = Effect.flatMap(SqlClient.SqlClient, (sql) => Sqlite.read<object>(sql, "SELECT * FROM t ORDER BY id", []))

/** A database file in a fresh folder, removed with the test's scope. */
const tempFile = Effect.gen(function*() {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "emulator-sqlite-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
  return Path.join(dir, "db.sqlite")
})

describe("the synchronous read path", () => {
  it.effect("reads what the SqlClient wrote, and waits for an open transaction instead of seeing its rows", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* setup
      yield* sql`INSERT INTO t (id, v) VALUES (1, 'a')`
      assert.deepStrictEqual(yield* readAll, [{ id: 1, v: "a" }])

      const inserted = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const writer = yield* Effect.forkChild(sql.withTransaction(Effect.gen(function*() {
        yield* sql`INSERT INTO t (id, v) VALUES (2, 'b')`
        yield* Deferred.succeed(inserted, undefined)
        yield* Deferred.await(release)
        return yield* Effect.fail("rolled back")
      })))
      yield* Deferred.await(inserted)
      const reader = yield* Effect.forkChild(readAll)
      yield* Effect.yieldNow
      assert.isUndefined(reader.pollUnsafe(), "the read waits for the transaction")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.await(writer)
      // the rolled-back row was never seen
      assert.deepStrictEqual(yield* Fiber.join(reader), [{ id: 1, v: "a" }])
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:", disableWAL: true }))))

  it.effect("a statement that writes is not run by the read path (the SqlClient runs it)", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* setup
      yield* Sqlite.read(sql, "INSERT INTO t (id, v) VALUES (3, 'c')", [])
      assert.deepStrictEqual(yield* readAll, [{ id: 3, v: "c" }])
      // a write that returns rows too: never inside the read path's shared transaction
      assert.isUndefined(Sqlite.unsafeRead(sql, "INSERT INTO t (id, v) VALUES (4, 'd') RETURNING id", []))
      assert.deepStrictEqual(yield* Sqlite.read(sql, "INSERT INTO t (id, v) VALUES (5, 'e') RETURNING id", []), [{ id: 5 }])
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:", disableWAL: true }))))

  it.effect("rows keep their column names when the schema changes under a cached statement", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* setup
      yield* sql`INSERT INTO t (id, v) VALUES (1, 'a')`
      assert.deepStrictEqual(yield* readAll, [{ id: 1, v: "a" }])
      yield* sql`ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 7`
      assert.deepStrictEqual(yield* readAll, [{ id: 1, v: "a", w: 7 }])
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:", disableWAL: true }))))

  it.effect("reads of one tick share a read transaction; a write in between ends it and is committed at once", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const observed = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* setup
        yield* sql`INSERT INTO t (id, v) VALUES (1, 'a')`
        const other = new DatabaseSync(file)
        yield* Effect.addFinalizer(() => Effect.sync(() => other.close()))
        // all synchronous, as in one request: read, write, read, and another connection looks meanwhile
        return yield* Effect.suspend(() => {
          const first = Sqlite.unsafeRead<object>(sql, "SELECT * FROM t ORDER BY id", [])
          return Effect.flatMap(sql`INSERT INTO t (id, v) VALUES (2, 'b')`, () =>
            Effect.sync(() => ({
              first,
              committed: { ...other.prepare("SELECT COUNT(*) AS n FROM t").get() },
              second: Sqlite.unsafeRead<object>(sql, "SELECT * FROM t ORDER BY id", [])
            })))
        })
      }).pipe(Effect.provide(Sqlite.layer({ filename: file })))
      assert.deepStrictEqual(observed, {
        first: [{ id: 1, v: "a" }],
        committed: { n: 2 },
        second: [{ id: 1, v: "a" }, { id: 2, v: "b" }]
      })
    }))
})

describe("rows kept while the database is unchanged", () => {
  // the shared read transaction of a tick ends in a microtask: the next read starts a new one
  const nextTick = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

  it.effect("the same rows until a write through the SqlClient (one of its own, or in a transaction) or another connection's commit", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* setup
        yield* sql`INSERT INTO t (id, v) VALUES (1, 'a')`
        const kept = () => Sqlite.unsafeCachedRead<object>(sql, "SELECT * FROM t WHERE id >= ? ORDER BY id", [1])
        const first = kept()
        assert.deepStrictEqual(first, [{ id: 1, v: "a" }])
        yield* nextTick
        assert.strictEqual(kept(), first, "kept while nothing changed")

        yield* sql`UPDATE t SET v = 'b' WHERE id = 1`
        assert.deepStrictEqual(kept(), [{ id: 1, v: "b" }])
        yield* sql.withTransaction(sql`INSERT INTO t (id, v) VALUES (2, 'c')`)
        assert.deepStrictEqual(kept(), [{ id: 1, v: "b" }, { id: 2, v: "c" }])
        yield* nextTick

        const other = new DatabaseSync(file)
        try {
          other.exec("UPDATE t SET v = 'd' WHERE id = 1")
        } finally {
          other.close()
        }
        assert.deepStrictEqual(kept(), [{ id: 1, v: "d" }, { id: 2, v: "c" }])
      }).pipe(Effect.provide(Sqlite.layer({ filename: file })))
    }))

  it.effect("another connection's commit during a tick whose read transaction is already open is seen at the next tick", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* setup
        yield* sql`INSERT INTO t (id, v) VALUES (1, 'a')`
        const kept = () => Sqlite.unsafeCachedRead<object>(sql, "SELECT * FROM t ORDER BY id", [])
        const other = new DatabaseSync(file)
        yield* Effect.addFinalizer(() => Effect.sync(() => other.close()))
        for (let i = 0; i < 3; i++) {
          assert.deepStrictEqual(kept(), [{ id: 1, v: "a" }])
          yield* nextTick
        }
        // one tick: a read starts the shared snapshot, then the other connection commits
        const inTick = yield* Effect.sync(() => {
          Sqlite.unsafeRead(sql, "SELECT COUNT(*) AS n FROM t", [])
          other.exec("UPDATE t SET v = 'x' WHERE id = 1")
          return kept()
        })
        assert.deepStrictEqual(inTick, [{ id: 1, v: "a" }], "the tick reads one snapshot")
        yield* nextTick
        assert.deepStrictEqual(kept(), [{ id: 1, v: "x" }])
      }).pipe(Effect.provide(Sqlite.layer({ filename: file })))
    }))

  it.effect("parameters SQLite binds differently are kept apart; a statement that writes is not run", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* setup
      const typeOf = (value: unknown) => Sqlite.unsafeCachedRead<{ t: string }>(sql, "SELECT typeof(?) AS t", [value])?.[0]?.t
      // node:sqlite binds every number as a REAL
      assert.deepStrictEqual([typeOf(5), typeOf("5"), typeOf(null), typeOf("null"), typeOf(5)], [
        "real",
        "text",
        "null",
        "text",
        "real"
      ])
      assert.isUndefined(Sqlite.unsafeCachedRead(sql, "INSERT INTO t (id, v) VALUES (4, 'd') RETURNING id", []))
      assert.deepStrictEqual(yield* readAll, [])
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:", disableWAL: true }))))
})

describe("migrations", () => {
  it.effect("a database file with the log of the hand-written migrator is adopted as is: data kept, nothing run twice", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "emulator-migrate-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      const file = Path.join(dir, "db.sqlite")
      // what an earlier emulator left: every migration applied, logged by name in `_migrations (name, applied_at)`
      const old = new DatabaseSync(file)
      old.exec("PRAGMA journal_mode = WAL")
      old.exec("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
      for (const migration of migrations) {
        for (const statement of migration.statements) old.exec(statement)
        old.prepare("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)").run(migration.name, 1_700_000_000_000)
      }
      old.exec("INSERT INTO apps (id, auth_key) VALUES (9, 'kept')")
      old.close()

      const read = Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return {
          apps: yield* sql<{ id: number; auth_key: string }>`SELECT id, auth_key FROM apps`,
          log: yield* sql<{ migration_id: number; name: string }>`SELECT migration_id, name FROM _migrations ORDER BY migration_id`
        }
      })
      const first = yield* Effect.scoped(Effect.provide(read, Db.layer({ filename: file })))
      // a second start finds the Migrator's own log
      const second = yield* Effect.scoped(Effect.provide(read, Db.layer({ filename: file })))
      const expected = {
        apps: [{ id: 9, auth_key: "kept" }],
        log: migrations.map((m) => ({ migration_id: Number(m.name.slice(0, 4)), name: m.name.slice(5) }))
      }
      assert.deepStrictEqual(first, expected)
      assert.deepStrictEqual(second, expected)
    }))
})

describe("streamed statements", () => {
  it.effect("stream every row in order, across chunks; a stream ended early releases the connection", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* setup
      yield* sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
        INSERT INTO t (id, v) SELECT i, 'v' || i FROM n`
      const rows = yield* Stream.runCollect(sql<{ id: number; v: string }>`SELECT * FROM t ORDER BY id`.stream)
      assert.strictEqual(rows.length, 300)
      assert.deepStrictEqual(rows[0], { id: 1, v: "v1" })
      assert.deepStrictEqual(rows[299], { id: 300, v: "v300" })
      assert.deepStrictEqual(
        yield* Stream.runCollect(Stream.take(sql`SELECT id FROM t ORDER BY id`.stream, 2)),
        [{ id: 1 }, { id: 2 }]
      )
      // the connection is free again, and the early-ended statement does not hold a lock against writes
      yield* sql`DELETE FROM t WHERE id > 1`
      assert.deepStrictEqual(yield* Stream.runCollect(sql`SELECT id FROM t`.stream), [{ id: 1 }])
      assert.deepStrictEqual(yield* Stream.runCollect(sql`SELECT id FROM t WHERE id > 1`.stream), [])
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:", disableWAL: true }))))

  it.effect("a statement that cannot run fails the stream with a SqlError", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const error = yield* Effect.flip(Stream.runCollect(sql`SELECT * FROM missing`.stream))
      assert.strictEqual(error._tag, "SqlError")
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:", disableWAL: true }))))
})
