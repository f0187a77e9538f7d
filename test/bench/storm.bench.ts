/**
 * 2. Expiry storm: 1000 concurrent calls on a token the server has expired. Counts the POST /session the
 * emulator saw (goal: exactly 1) and compares the total time with the same 1000 calls on a fresh token.
 * The official SDK with the seed's `sessionExpired` handler is measured the same way, for comparison.
 */
import { Cube } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime } from "effect"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { api, APP, fmt, type Row, seedDb, startEmulatorProcess, tmpDir } from "./lib.js"

const require = createRequire(import.meta.url)
const N = 1000

const expireAll = async (url: string) => {
  await api(url, "/__emulator/clock", { method: "POST", body: JSON.stringify({ advanceMs: 2 * 60 * 60 * 1000 + 60_000 }) })
  await api(url, "/__emulator/requests", { method: "DELETE" })
}
const sessionPosts = async (url: string): Promise<number> =>
  ((await api(url, "/__emulator/requests")).body.requests as Array<{ method: string; path: string }>)
    .filter((r) => r.method === "POST" && /^\/session(\.json)?$/.test(r.path)).length

export const run = async (): Promise<Array<Row>> => {
  const db = Path.join(tmpDir("storm"), "cube.sqlite")
  await seedDb(db, 100)
  const server = await startEmulatorProcess(db)
  try {
    const url = server.url
    await api(url, "/users.json", {
      method: "POST",
      headers: { "CB-AuthKey": APP.authKey },
      body: JSON.stringify({ user: { login: "stormuser", password: "stormpassword" } })
    })
    const rt = ManagedRuntime.make(
      Users.layer.pipe(Layer.provideMerge(Cube.layer({ ...APP, apiUrl: url })), Layer.provide(NodeHttpClient.layerUndici))
    )
    const burst = () =>
      rt.runPromise(Effect.flatMap(Users.Users, (users) =>
        Effect.all(Array.from({ length: N }, () => users.getV2({ login: "bench1" })), { concurrency: "unbounded" })))
    await rt.runPromise(Effect.flatMap(
      (await import("@connectycube-effect/http")).Session.Session,
      (s) => s.create({ login: "stormuser", password: "stormpassword" })
    ))
    await burst()
    let start = performance.now()
    await burst()
    const fresh = performance.now() - start
    await expireAll(url)
    start = performance.now()
    await burst()
    const expired = performance.now() - start
    const ours = await sessionPosts(url)
    await rt.dispose()

    // The official SDK, with the seed's handler: createSession().then(retry), once per failing request.
    const official = require("connectycube").default
    official.init(APP, {
      endpoints: { api_url: url },
      debug: { mode: 0 },
      on: {
        sessionExpired: (_handleResponse: () => void, retry: (s: unknown) => void) => {
          official.createSession({ login: "stormuser", password: "stormpassword" }).then(retry).catch(() => {})
        }
      }
    })
    await official.createSession({ login: "stormuser", password: "stormpassword" })
    await expireAll(url)
    start = performance.now()
    await Promise.all(Array.from({ length: N }, () => official.users.getV2({ login: "bench1" })))
    const officialTime = performance.now() - start
    const theirs = await sessionPosts(url)
    return [
      {
        figure: `expiry storm: POST /session for ${N} concurrent calls on an expired token (Effect SDK)`,
        value: String(ours),
        baseline: `official SDK + seed handler: ${theirs}`,
        ratio: "",
        goal: "exactly 1"
      },
      {
        figure: `expiry storm: total time of ${N} concurrent calls, expired vs fresh token (Effect SDK)`,
        value: `${fmt(expired, 0)} ms`,
        baseline: `fresh token ${fmt(fresh, 0)} ms`,
        ratio: `${fmt(expired / fresh)}x`,
        goal: `official SDK expired: ${fmt(officialTime, 0)} ms`
      }
    ]
  } finally {
    await server.close()
  }
}
