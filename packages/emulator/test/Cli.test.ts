import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { call } from "./helpers.js"

const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../..")
const BIN = Path.join(ROOT, "packages/emulator/src/bin.ts")

interface Cli {
  readonly child: ChildProcess
  readonly url: string
  readonly output: () => string
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string>
}

// One node process (no tsx wrapper process), so a signal reaches the server itself.
const startCli = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.callback<Cli, Error>((resume) => {
      const child = spawn(process.execPath, ["--import", "tsx", BIN, ...args], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      const exited = new Promise<number | string>((done) => child.once("exit", (code, signal) => done(code ?? signal ?? -1)))
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
        resume(Effect.fail(new Error(`no "listening on" within 60 s: ${out}`)))
      }, 60_000)
      const onData = (data: Buffer) => {
        out += data.toString()
        const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)
        if (m !== null) {
          clearTimeout(timer)
          resume(Effect.succeed({ child, url: m[1]!, output: () => out, exited }))
        }
      }
      child.stdout!.on("data", onData)
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()))
      void exited.then((code) => {
        clearTimeout(timer)
        resume(Effect.fail(new Error(`exited with ${code} before listening: ${out}`)))
      })
    }),
    (cli) =>
      Effect.promise(() => {
        if (cli.child.exitCode !== null || cli.child.signalCode !== null) return Promise.resolve()
        cli.child.kill("SIGKILL")
        return cli.exited.then(() => undefined)
      })
  )

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "cube-emu-cli-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

describe("CLI", () => {
  it.live("prints exactly `listening on http://127.0.0.1:PORT`, tolerates a literal --, stops cleanly on SIGTERM, --export/--seed", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "state.json")
      const cli = yield* startCli(["--", "--port", "0", "--app", "7:seven", "--app-id", "8", "--auth-key", "eight", "--export", file])
      assert.match(cli.output(), /^listening on http:\/\/127\.0\.0\.1:\d+\n/)
      const seven = yield* call(cli.url, "POST", "/session.json", {
        body: { application_id: 7, auth_key: "seven", user: { login: "exported", password: "secret12" } }
      })
      assert.strictEqual(seven.status, 201)
      const eight = yield* call(cli.url, "POST", "/session.json", { body: { application_id: 8, auth_key: "eight" } })
      assert.strictEqual(eight.status, 201)
      const defaultApp = yield* call(cli.url, "POST", "/session.json", { body: { application_id: 1, auth_key: "emulator-auth-key" } })
      assert.strictEqual(defaultApp.status, 401)
      cli.child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => cli.exited).pipe(Effect.timeout("15 seconds")), 0)
      assert.deepStrictEqual(Fs.readdirSync(dir), ["state.json"])

      const second = yield* startCli(["--port", "0", "--app", "7:seven", "--seed", file])
      const r = yield* call(second.url, "POST", "/session", {
        body: { application_id: 7, auth_key: "seven", user: { login: "exported", password: "secret12" } }
      })
      assert.strictEqual(r.status, 201)
      assert.strictEqual(r.body.session.user_id, seven.body.session.user_id)
      const wrong = yield* call(second.url, "POST", "/session", {
        body: { application_id: 7, auth_key: "seven", user: { login: "exported", password: "nope" } }
      })
      assert.strictEqual(wrong.status, 401)
      second.child.kill("SIGINT")
      assert.strictEqual(yield* Effect.promise(() => second.exited).pipe(Effect.timeout("15 seconds")), 0)
    })), 120_000)

  it.live("durability: kill -9 in the middle of a burst of writes; every acknowledged one is there after restart", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const db = Path.join(dir, "cube.sqlite")
      const first = yield* startCli(["--port", "0", "--db", db])
      const app = yield* call(first.url, "POST", "/session", { body: { application_id: 1, auth_key: "emulator-auth-key" } })
      const token: string = app.body.session.token
      const total = 400
      const killAfter = 100
      const acked: Array<{ readonly id: number; readonly login: string }> = []
      let failed = 0
      // 16 signups in flight at a time; the process is killed when the 100th answer arrives, so others are mid-way
      yield* Effect.forEach(Array.from({ length: total }, (_, i) => i), (i) =>
        call(first.url, "POST", "/users", {
          token,
          body: { user: { login: `burst${i}`, password: "secret12", tag_list: `t${i % 7},burst` } }
        }).pipe(
          Effect.exit,
          Effect.map((exit) => {
            if (exit._tag === "Success" && exit.value.status === 201) {
              acked.push({ id: exit.value.body.user.id, login: exit.value.body.user.login })
              if (acked.length === killAfter) first.child.kill("SIGKILL")
            } else failed++
          })
        ), { concurrency: 16, discard: true })
      assert.strictEqual(yield* Effect.promise(() => first.exited), "SIGKILL")
      assert.isAtLeast(acked.length, killAfter)
      assert.isAbove(failed, 0, "the kill came before the burst ended")

      const second = yield* startCli(["--port", "0", "--db", db])
      const again = yield* call(second.url, "POST", "/session", {
        body: { application_id: 1, auth_key: "emulator-auth-key", user: { login: acked[0]!.login, password: "secret12" } }
      })
      assert.strictEqual(again.body.session.user_id, acked[0]!.id)
      second.child.kill("SIGKILL")
      yield* Effect.promise(() => second.exited)

      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        assert.deepStrictEqual(yield* sql`PRAGMA integrity_check`, [{ integrity_check: "ok" }])
        const rows = yield* sql<{ id: number; login: string; tags: number }>`
          SELECT id, login, (SELECT COUNT(*) FROM user_tags WHERE user_id = users.id) AS tags FROM users`
        const stored = new Map(rows.map((r) => [r.id, r]))
        for (const { id, login } of acked) {
          assert.strictEqual(stored.get(id)?.login, login)
          assert.strictEqual(stored.get(id)?.tags, 2)
        }
      }).pipe(Effect.provide(SqliteClient.layer({ filename: db })), Effect.orDie)
    })), 120_000)

  it.live("durability: an acknowledged write survives kill -9; integrity_check is ok", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const db = Path.join(dir, "cube.sqlite")
      const first = yield* startCli(["--port", "0", "--db", db])
      const created = yield* call(first.url, "POST", "/session", {
        body: { application_id: 1, auth_key: "emulator-auth-key", user: { login: "durable", password: "secret12" } }
      })
      assert.strictEqual(created.status, 201)
      first.child.kill("SIGKILL")
      assert.strictEqual(yield* Effect.promise(() => first.exited), "SIGKILL")

      const second = yield* startCli(["--port", "0", "--db", db])
      const session = yield* call(second.url, "GET", "/session", { token: created.body.session.token })
      assert.strictEqual(session.status, 200)
      assert.strictEqual(session.body.session.user.login, "durable")
      const again = yield* call(second.url, "POST", "/session", {
        body: { application_id: 1, auth_key: "emulator-auth-key", user: { login: "durable", password: "secret12" } }
      })
      assert.strictEqual(again.body.session.user_id, created.body.session.user_id)
      second.child.kill("SIGKILL")
      yield* Effect.promise(() => second.exited)

      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        assert.deepStrictEqual(yield* sql`PRAGMA integrity_check`, [{ integrity_check: "ok" }])
        assert.deepStrictEqual(yield* sql`PRAGMA journal_mode`, [{ journal_mode: "wal" }])
        const rows = yield* sql<{ login: string }>`SELECT login FROM users WHERE id = ${created.body.session.user_id}`
        assert.deepStrictEqual(rows.map((r) => r.login), ["durable"])
      }).pipe(Effect.provide(SqliteClient.layer({ filename: db })), Effect.orDie)
    })), 120_000)
})
