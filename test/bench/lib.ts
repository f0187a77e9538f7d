/**
 * Shared pieces of the benchmarks: an emulator in its own process (so the client and the server do not
 * share an event loop), a bulk-seeded database, timing helpers, and the results table.
 */
import { Emulator } from "@connectycube-effect/emulator"
import { Array as Arr, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { spawn, type ChildProcess } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
export const APP = { appId: 1, authKey: "emulator-auth-key" } as const

export interface Row {
  readonly figure: string
  readonly value: string
  readonly baseline: string
  readonly ratio: string
  readonly goal: string
}

export const tmpDir = (name: string) => Fs.mkdtempSync(Path.join(Os.tmpdir(), `cube-bench-${name}-`))

/** Creates a database file with `n` users (`bench<i>`, tagged `bench`, no password: read, never signed in). */
export const seedDb = async (file: string, n: number): Promise<void> => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const emulator = yield* Emulator.make({ db: file })
    yield* emulator.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const now = Date.now()
      const chunk = 500
      for (let start = 0; start < n; start += chunk) {
        // a non-empty array: what `sql.insert` takes for a multi-row insert
        const rows = Arr.makeBy(Math.min(chunk, n - start), (k) => {
          const i = start + k
          return {
            _id: i.toString(16).padStart(24, "0"),
            app_id: 1,
            login: `bench${i}`,
            email: `bench${i}@example.com`,
            full_name: `Bench User ${i}`,
            user_tags: "bench",
            created_at: now - (n - i) * 1000,
            updated_at: now,
            last_request_at: now
          }
        })
        yield* sql.withTransaction(sql`INSERT INTO users ${sql.insert(rows)}`)
      }
      // every bench user carries the tag "bench", so `user_tags: {in: ["bench"]}` pages through all of them
      yield* sql`INSERT INTO user_tags (user_id, app_id, tag) SELECT id, app_id, 'bench' FROM users WHERE user_tags = 'bench'`
    }))
  })))
}

export interface Server {
  readonly url: string
  readonly child: ChildProcess
  readonly close: () => Promise<void>
}

/** Starts a process that prints `listening on <url>` and waits for that line (bounded). */
export const startProcess = (command: string, args: ReadonlyArray<string>, timeoutMs = 60_000): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`no "listening on" within ${timeoutMs} ms: ${out}`))
    }, timeoutMs)
    const onData = (data: Buffer) => {
      out += data.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({
          url: m[1]!,
          child,
          close: () =>
            new Promise<void>((done) => {
              child.once("exit", () => done())
              child.kill("SIGTERM")
              setTimeout(() => child.kill("SIGKILL"), 5000).unref()
            })
        })
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()))
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code}: ${out}`))
    })
  })

// this Node with tsx's loader, not `node_modules/.bin/tsx`: that is a chain of shell wrappers (with the workspace's
// `node` package, one of them does not `exec`), so SIGTERM would stop a wrapper and orphan the emulator
export const startEmulatorProcess = (db: string) =>
  startProcess(process.execPath, [
    "--import",
    "tsx",
    "packages/emulator/src/bin.ts",
    "--port",
    "0",
    "--db",
    db
  ])

export const api = async (url: string, path: string, init: RequestInit & { token?: string } = {}) => {
  const headers: Record<string, string> = { "content-type": "application/json", ...(init.headers as any) }
  if (init.token) headers["CB-Token"] = init.token
  const res = await fetch(`${url}${path}`, { ...init, headers })
  const text = await res.text()
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) }
}

export const appToken = async (url: string): Promise<string> =>
  (await api(url, "/session.json", { method: "POST", body: JSON.stringify({ application_id: 1, auth_key: APP.authKey }) }))
    .body.session.token

/** Milliseconds per call of `fn`, run `n` times sequentially. */
export const perCall = async (n: number, fn: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  for (let i = 0; i < n; i++) await fn()
  return (performance.now() - start) / n
}

export const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export const fmt = (n: number, digits = 2) => n.toFixed(digits)
export const ratio = (value: number, baseline: number) => `${fmt(value / baseline)}x`
export const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`
export const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`
