/**
 * The emulator's hand-written internals against the library piece each replaces, under Effect 4, in one run
 * (candidates take turns, the order rotates every round, figures are medians of the rounds):
 *
 * 1. the request loop: `internal/NodeServer.ts` (one fiber per request, the response written from the fiber's
 *    observer) against `@effect/platform-node`'s `NodeHttpServer` serving `Server.makeApp` (the same routes, the
 *    same `effect/http` HttpRouter);
 * 2. the SQLite client: `internal/Sqlite.ts` (node:sqlite, a synchronous read path) against
 *    `@effect/sql-sqlite-node`'s `SqliteClient`, both behind the same `Db` setup;
 * 3. the migrations: `Db.migrate` (`effect/sql`'s Migrator) against the hand-written migrator it replaced
 *    (copied here), on a fresh database file and on an up-to-date one.
 *
 * 1 and 2: emulators in their own processes (10k users on a SQLite file, WAL), loaded from this process with
 * getV2 (32 keep-alive loops, as throughput.bench.ts) and with signups (8 loops; scrypt dominates them). Two
 * figures per candidate: requests per second, and the emulator process's CPU per request (from /proc: steadier
 * than a rate on a shared machine). The bare node:http server of throughput.bench.ts is the rate baseline.
 *
 * This file is also the emulator process of each candidate: `node --import tsx emulator-internals.bench.ts
 * --serve <loop> <client> <db>`.
 */
import { Faults, Http, RequestLog, Route, Routes, Settings } from "@connectycube-effect/emulator"
import * as Clock from "@connectycube-effect/emulator/Clock"
import * as Apps from "@connectycube-effect/emulator/store/Apps"
import * as Sessions from "@connectycube-effect/emulator/store/Sessions"
import * as UsersSearch from "@connectycube-effect/emulator/store/UsersSearch"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock as EffectClock, Effect, Layer } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { createRequire } from "node:module"
import * as Fs from "node:fs"
import * as NodeHttp from "node:http"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
// the internals compared here are not part of the package's exports: read from its source
import * as Db from "../../packages/emulator/src/internal/Db.js"
import { type Migration, migrations as allMigrations } from "../../packages/emulator/src/internal/Migrations.js"
import * as NodeServer from "../../packages/emulator/src/internal/NodeServer.js"
import * as Server from "@connectycube-effect/emulator/Server"
import { api, appToken, fmt, median, ratio, type Row, ROOT, seedDb, startProcess, tmpDir } from "./lib.js"

type Loop = "NodeServer" | "NodeHttpServer"
type Client = "Sqlite.ts" | "SqliteClient"

/** `@effect/sql-sqlite-node` is the emulator's dependency, not this workspace's: loaded from the emulator. */
const librarySqlite = async () => {
  const require = createRequire(Path.join(ROOT, "packages/emulator/package.json"))
  const url = pathToFileURL(require.resolve("@effect/sql-sqlite-node/SqliteClient")).href
  return await import(url) as {
    readonly layer: (config: { readonly filename: string; readonly disableWAL?: boolean }) => Layer.Layer<
      SqlClient.SqlClient,
      SqlError.SqlError
    >
  }
}

/** `Db.layer` with the library client: the same pragmas and migrations. */
const libraryDbLayer = async (filename: string) => {
  const { layer } = await librarySqlite()
  const setup = Layer.effectDiscard(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`PRAGMA synchronous = NORMAL`
    yield* sql`PRAGMA foreign_keys = ON`
    yield* sql`PRAGMA busy_timeout = 5000`
    yield* Db.migrate()
  }))
  return Layer.provideMerge(setup, layer({ filename }))
}

/** An emulator as `Emulator.make` composes it (default options), with the given loop and client. */
const serve = async (loop: Loop, client: Client, filename: string) => {
  const settings: Settings.Service = {
    bodyLimit: Settings.DEFAULT_BODY_LIMIT,
    apps: [Settings.DEFAULT_APP],
    sessionTtlMs: 2 * 60 * 60 * 1000,
    guestSessionTtlMs: 24 * 60 * 60 * 1000,
    cidpTimeoutMs: 5_000
  }
  const services = Layer.mergeAll(
    Layer.provideMerge(
      Sessions.layerPendingSlides,
      client === "Sqlite.ts" ? Db.layer({ filename }) : await libraryDbLayer(filename)
    ),
    Clock.layer(),
    RequestLog.layer(),
    Faults.layer,
    UsersSearch.layerSearchCache,
    Layer.succeed(Settings.Settings, settings),
    Layer.succeed(Http.BodyLimit, settings.bodyLimit),
    Layer.succeed(Route.RouteTable, Routes.all),
    NodeHttpServer.layerHttpServices
  )
  const program = Effect.gen(function*() {
    const context = yield* Layer.build(services)
    const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, context)
    yield* Effect.orDie(provide(Apps.upsert(settings.apps)))
    const nodeServer = NodeHttp.createServer()
    const server = yield* NodeHttpServer.make(() => nodeServer, { port: 0, host: "127.0.0.1" })
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))
    const served = loop === "NodeServer" ?
      Effect.flatMap(provide(Server.makeHandle(Routes.all)), (handle) => provide(NodeServer.serve(nodeServer, handle))) :
      Effect.flatMap(provide(Server.makeApp(Routes.all)), (app) => provide(server.serve(app)))
    yield* served.pipe(
      Effect.provideService(EffectClock.Clock, EffectClock.Clock.defaultValue()),
      Effect.withTracerEnabled(false)
    )
    const address = nodeServer.address()
    console.log(`listening on http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`)
    return yield* Effect.never
  })
  // runMain interrupts on SIGTERM (how the bench stops it) and exits once the scope is closed
  NodeRuntime.runMain(Effect.scoped(program), { teardown: (_exit, onExit) => onExit(0) })
}

if (process.argv[2] === "--serve") {
  await serve(process.argv[3] as Loop, process.argv[4] as Client, process.argv[5]!)
}

/** CPU seconds used so far by a process and its descendants (Linux /proc: utime + stime, in clock ticks). */
const cpuOfTree = (pid: number): number => {
  const children = new Map<number, Array<number>>()
  const ticks = new Map<number, number>()
  for (const entry of Fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = Fs.readFileSync(`/proc/${entry}/stat`, "utf8")
    } catch {
      continue
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]))
    const ppid = Number(fields[1])
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
  }
  let total = 0
  const stack = [pid]
  while (stack.length > 0) {
    const p = stack.pop()!
    total += ticks.get(p) ?? 0
    stack.push(...(children.get(p) ?? []))
  }
  return total / 100
}

/** Requests per second of `concurrency` keep-alive loops for `seconds`, and the server's CPU µs per request. */
const load = async (
  target: { readonly url: string; readonly pid?: number | undefined },
  init: () => RequestInit,
  seconds: number,
  concurrency: number,
  expected: number
) => {
  const cpu = target.pid === undefined ? 0 : cpuOfTree(target.pid)
  const deadline = performance.now() + seconds * 1000
  let done = 0
  let failure: string | undefined
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const res = await fetch(target.url, init())
      const text = await res.text()
      if (res.status === expected) done++
      else failure = `${res.status} ${text}`
    }
  }))
  if (failure !== undefined) throw new Error(`a failed request against ${target.url}: ${failure}`)
  return {
    rps: done / seconds,
    cpuUs: target.pid === undefined ? 0 : ((cpuOfTree(target.pid) - cpu) / done) * 1e6
  }
}

/** The migrator `Db.migrate` had before `effect/sql`'s Migrator, as it was. */
const handWrittenMigrate = (list: ReadonlyArray<Migration>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`
    const applied = new Set((yield* sql<{ name: string }>`SELECT name FROM _migrations`).map((r) => r.name))
    for (const migration of list) {
      if (applied.has(migration.name)) continue
      yield* sql.withTransaction(Effect.gen(function*() {
        for (const statement of migration.statements) yield* sql.unsafe(statement)
        yield* sql`INSERT INTO _migrations (name, applied_at) VALUES (${migration.name}, ${Date.now()})`
      }))
    }
  })

const migrations = async (dir: string, rounds: number): Promise<Array<Row>> => {
  const { layer } = await librarySqlite()
  const candidates = { Migrator: Db.migrate(), handWritten: handWrittenMigrate(allMigrations) }
  const once = (file: string, migrate: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient>) =>
    Effect.runPromise(Effect.scoped(Effect.provide(
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`PRAGMA foreign_keys = ON`
        const start = performance.now()
        yield* migrate
        return performance.now() - start
      }),
      layer({ filename: file })
    )))
  const fresh: Record<string, Array<number>> = { Migrator: [], handWritten: [] }
  const again: Record<string, Array<number>> = { Migrator: [], handWritten: [] }
  let n = 0
  for (let round = 0; round < rounds + 3; round++) {
    const order = round % 2 === 0 ? (["Migrator", "handWritten"] as const) : (["handWritten", "Migrator"] as const)
    for (const name of order) {
      const file = Path.join(dir, `migrate-${n++}.sqlite`)
      const first = await once(file, candidates[name])
      const second = await once(file, candidates[name])
      // the first rounds warm up
      if (round >= 3) {
        fresh[name]!.push(first)
        again[name]!.push(second)
      }
    }
  }
  const ms = (x: number) => `${fmt(x)} ms`
  return [
    {
      figure: "migrations, fresh database file: effect/sql Migrator (Db.migrate)",
      value: ms(median(fresh.Migrator!)),
      baseline: `hand-written ${ms(median(fresh.handWritten!))}`,
      ratio: ratio(median(fresh.Migrator!), median(fresh.handWritten!)),
      goal: "≈ 1x (once per start)"
    },
    {
      figure: "migrations, up-to-date database file: effect/sql Migrator (Db.migrate)",
      value: ms(median(again.Migrator!)),
      baseline: `hand-written ${ms(median(again.handWritten!))}`,
      ratio: ratio(median(again.Migrator!), median(again.handWritten!)),
      goal: "≈ 1x (once per start)"
    }
  ]
}

export const run = async (options: { seconds?: number; rounds?: number } = {}): Promise<Array<Row>> => {
  const seconds = options.seconds ?? 2
  const rounds = options.rounds ?? 5
  const dir = tmpDir("internals")
  const query = "/users/v2.json?full_name[start_with]=Bench%20User%2012&limit=5"
  const candidates = {
    emulator: ["NodeServer", "Sqlite.ts"],
    libraryLoop: ["NodeHttpServer", "Sqlite.ts"],
    libraryClient: ["NodeServer", "SqliteClient"]
  } as const
  const names = Object.keys(candidates) as Array<keyof typeof candidates>
  const servers = new Map<string, { url: string; pid: number; token: string; close: () => Promise<void> }>()
  let login = 0
  try {
    for (const name of names) {
      const db = Path.join(dir, `${name}.sqlite`)
      await seedDb(db, 10_000)
      const [loop, client] = candidates[name]
      // node itself with tsx's loader (no tsx wrapper process between the bench and the emulator's signals)
      const server = await startProcess(process.execPath, [
        "--import",
        "tsx",
        "test/bench/emulator-internals.bench.ts",
        "--serve",
        loop,
        client,
        db
      ])
      servers.set(name, { url: server.url, pid: server.child.pid!, token: await appToken(server.url), close: server.close })
    }
    const first = servers.get("emulator")!
    const sample = await api(first.url, query, { token: first.token })
    if (sample.status !== 200) throw new Error(`getV2 answered ${sample.status}: ${JSON.stringify(sample.body)}`)
    const bodyFile = Path.join(dir, "body.json")
    Fs.writeFileSync(bodyFile, JSON.stringify(sample.body))
    const bare = await startProcess(process.execPath, [Path.join(ROOT, "test/bench/bare-server.mjs"), bodyFile])
    try {
      const bareLoad = (s: number) => load({ url: `${bare.url}${query}` }, () => ({}), s, 32, 200)
      const getV2 = (name: string, s: number) => {
        const server = servers.get(name)!
        return load({ url: `${server.url}${query}`, pid: server.pid }, () => ({ headers: { "CB-Token": server.token } }), s, 32, 200)
      }
      const signup = (name: string, s: number) => {
        const server = servers.get(name)!
        return load({ url: `${server.url}/users.json`, pid: server.pid }, () => ({
          method: "POST",
          headers: { "CB-Token": server.token, "content-type": "application/json" },
          body: JSON.stringify({ user: { login: `signup${++login}`, password: "password1" } })
        }), s, 8, 201)
      }
      await bareLoad(1)
      for (const name of names) {
        await getV2(name, 1)
        await signup(name, 1)
      }
      type Sample = { rps: number; cpuUs: number }
      const bareRuns: Array<number> = []
      const gets: Record<string, Array<Sample>> = {}
      const posts: Record<string, Array<Sample>> = {}
      for (const name of names) {
        gets[name] = []
        posts[name] = []
      }
      for (let round = 0; round < rounds; round++) {
        bareRuns.push((await bareLoad(seconds)).rps)
        const order = names.map((_, i) => names[(i + round) % names.length]!)
        for (const name of order) gets[name]!.push(await getV2(name, seconds))
        for (const name of order) posts[name]!.push(await signup(name, seconds))
      }
      const bareRps = median(bareRuns)
      const rps = (xs: ReadonlyArray<Sample>) => median(xs.map((x) => x.rps))
      const cpu = (xs: ReadonlyArray<Sample>) => median(xs.map((x) => x.cpuUs))
      const rows: Array<Row> = [{
        figure: "getV2 throughput (10k users, start_with, limit 5): the emulator (NodeServer, Sqlite.ts)",
        value: `${fmt(rps(gets.emulator!), 0)} req/s`,
        baseline: `bare node:http ${fmt(bareRps, 0)} req/s`,
        ratio: ratio(rps(gets.emulator!), bareRps),
        goal: "≥ 0.85x"
      }]
      const versus = (
        what: string,
        samples: Record<string, Array<Sample>>,
        name: "libraryLoop" | "libraryClient",
        library: string,
        goal: string
      ): Array<Row> => [
        {
          figure: `${what}, emulator CPU per request: ${library}`,
          value: `${fmt(cpu(samples[name]!), 0)} µs`,
          baseline: `hand-written ${fmt(cpu(samples.emulator!), 0)} µs`,
          ratio: ratio(cpu(samples[name]!), cpu(samples.emulator!)),
          goal
        },
        {
          figure: `${what}, throughput: ${library}`,
          value: `${fmt(rps(samples[name]!), 0)} req/s`,
          baseline: `hand-written ${fmt(rps(samples.emulator!), 0)} req/s`,
          ratio: ratio(rps(samples[name]!), rps(samples.emulator!)),
          goal: "clearly < 1x keeps the hand-written piece (≈ 1x: library)"
        }
      ]
      const CPU_GOAL = "clearly > 1x keeps the hand-written piece (≈ 1x: library)"
      rows.push(
        ...versus("getV2", gets, "libraryLoop", "NodeHttpServer + Server.makeApp (vs internal/NodeServer.ts)", CPU_GOAL),
        ...versus("getV2", gets, "libraryClient", "@effect/sql-sqlite-node SqliteClient (vs internal/Sqlite.ts)", CPU_GOAL),
        ...versus("signup", posts, "libraryLoop", "NodeHttpServer + Server.makeApp (vs internal/NodeServer.ts)", CPU_GOAL),
        ...versus("signup", posts, "libraryClient", "@effect/sql-sqlite-node SqliteClient (vs internal/Sqlite.ts)", CPU_GOAL)
      )
      rows.push(...await migrations(dir, Math.max(10, rounds * 4)))
      return rows
    } finally {
      await bare.close()
    }
  } finally {
    for (const server of servers.values()) await server.close()
  }
}
