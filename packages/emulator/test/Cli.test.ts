import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Https from "node:https"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Cli from "../src/Cli.js"
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
        const m = /^listening on (https?:\/\/127\.0\.0\.1:\d+)$/m.exec(out)
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

/** GET over HTTPS trusting only `ca`: the status and body, or the TLS/connection error's code. */
const httpsGet = (url: string, ca: string | undefined) =>
  Effect.promise(() =>
    new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
      const req = Https.get(url, { ...(ca === undefined ? {} : { ca }), agent: false, timeout: 10_000 }, (res) => {
        let body = ""
        res.on("data", (d: Buffer) => (body += d.toString()))
        res.on("end", () => resolve({ status: res.statusCode!, body }))
      })
      req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
      req.on("timeout", () => req.destroy(new Error("timeout")))
    })
  )

/** A plain-HTTP request over TCP: everything the server sent back before closing (or within 5 s). */
const plainHttp = (port: number) =>
  Effect.promise(() =>
    new Promise<string>((resolve) => {
      const socket = Net.connect(port, "127.0.0.1")
      let data = ""
      const done = () => {
        clearTimeout(timer)
        socket.destroy()
        resolve(data)
      }
      const timer = setTimeout(done, 5_000)
      socket.on("data", (d) => (data += d.toString("latin1")))
      socket.on("close", done)
      socket.on("error", done)
      socket.write("GET /__emulator/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    })
  )

describe("CLI", () => {
  it.live("--tls without openssl on the PATH: a clear error naming --tls-cert/--tls-key", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const path = process.env.PATH
      process.env.PATH = Path.join(dir, "no-bin")
      const exit = yield* Effect.exit(Cli.ensureCertificate(dir)).pipe(Effect.ensuring(Effect.sync(() => (process.env.PATH = path))))
      assert.strictEqual(exit._tag, "Failure")
      assert.include(String(exit._tag === "Failure" ? exit.cause : ""), "openssl was not found on the PATH")
      assert.include(String(exit._tag === "Failure" ? exit.cause : ""), "--tls-cert <file> --tls-key <file>")
      assert.deepStrictEqual(Fs.readdirSync(dir), [])
    })))

  it.live("--tls: HTTPS with a self-signed certificate made next to the --db file, printed for NODE_EXTRA_CA_CERTS, reused on restart; --tls-cert/--tls-key", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const db = Path.join(dir, "cube.sqlite")
      const cli = yield* startCli(["--port", "0", "--db", db, "--tls"])
      assert.match(cli.output(), /^listening on https:\/\/127\.0\.0\.1:\d+\n/)
      const certFile = Path.join(dir, "emulator-tls-cert.pem")
      const keyFile = Path.join(dir, "emulator-tls-key.pem")
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
      assert.include(cli.output(), `NODE_EXTRA_CA_CERTS=${certFile}`)
      assert.strictEqual(Fs.statSync(keyFile).mode & 0o077, 0, "the key is readable by its owner only")
      const ca = Fs.readFileSync(certFile, "utf8")
      const port = Number(new URL(cli.url).port)

      const clock = yield* httpsGet(`${cli.url}/__emulator/clock`, ca)
      assert.strictEqual("status" in clock ? clock.status : clock.error, 200)
      assert.isString("body" in clock ? JSON.parse(clock.body).now : undefined)
      // the name the certificate is also made for
      const byName = yield* httpsGet(`https://localhost:${port}/__emulator/clock`, ca)
      assert.strictEqual("status" in byName ? byName.status : byName.error, 200)
      // without the certificate trusted: refused by the client
      const untrusted = yield* httpsGet(`${cli.url}/__emulator/clock`, undefined)
      assert.deepStrictEqual(untrusted, { error: "DEPTH_ZERO_SELF_SIGNED_CERT" })
      // plain HTTP is not answered as HTTP
      assert.notMatch(yield* plainHttp(port), /HTTP\//)
      // URLs handed back point at https (an old SDK uploads to blob_object_access.params as is)
      const blob = yield* Effect.promise(async () => {
        const session = await new Promise<string>((resolve, reject) => {
          const req = Https.request(`${cli.url}/session`, { method: "POST", ca, agent: false, headers: { "content-type": "application/json" } }, (res) => {
            let body = ""
            res.on("data", (d: Buffer) => (body += d.toString()))
            res.on("end", () => resolve(JSON.parse(body).session.token))
          })
          req.on("error", reject)
          req.end(JSON.stringify({ application_id: 1, auth_key: "emulator-auth-key", user: { login: "tls", password: "secret12" } }))
        })
        return new Promise<string>((resolve, reject) => {
          const req = Https.request(`${cli.url}/blobs`, {
            method: "POST",
            ca,
            agent: false,
            headers: { "content-type": "application/json", "cb-token": session }
          }, (res) => {
            let body = ""
            res.on("data", (d: Buffer) => (body += d.toString()))
            res.on("end", () => resolve(JSON.parse(body).blob.blob_object_access.params))
          })
          req.on("error", reject)
          req.end(JSON.stringify({ blob: { name: "a.txt", content_type: "text/plain" } }))
        })
      })
      assert.match(blob, new RegExp(`^https://127\\.0\\.0\\.1:${port}/`))
      cli.child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => cli.exited).pipe(Effect.timeout("15 seconds")), 0)

      // the next start reuses the certificate (a trust set up once keeps working)
      const again = yield* startCli(["--port", "0", "--db", db, "--tls"])
      assert.strictEqual(Fs.readFileSync(certFile, "utf8"), ca)
      const reused = yield* httpsGet(`${again.url}/__emulator/clock`, ca)
      assert.strictEqual("status" in reused ? reused.status : reused.error, 200)
      again.child.kill("SIGTERM")
      yield* Effect.promise(() => again.exited)

      // given files, in memory (no --db): used as they are
      const other = Path.join(dir, "given")
      Fs.mkdirSync(other)
      Fs.copyFileSync(certFile, Path.join(other, "c.pem"))
      Fs.copyFileSync(keyFile, Path.join(other, "k.pem"))
      const given = yield* startCli(["--port", "0", "--tls-cert", Path.join(other, "c.pem"), "--tls-key", Path.join(other, "k.pem")])
      assert.match(given.output(), /^listening on https:/)
      const viaGiven = yield* httpsGet(`${given.url}/__emulator/clock`, ca)
      assert.strictEqual("status" in viaGiven ? viaGiven.status : viaGiven.error, 200)
      given.child.kill("SIGTERM")
      yield* Effect.promise(() => given.exited)

      // one without the other: a usage error, not a plain-HTTP server
      const half = yield* Effect.exit(startCli(["--port", "0", "--tls-cert", Path.join(other, "c.pem")]))
      assert.strictEqual(half._tag, "Failure")
      assert.include(String(half._tag === "Failure" ? half.cause : ""), "--tls-cert and --tls-key go together")
    })), 120_000)

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
