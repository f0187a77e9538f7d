// SCRATCH (measurement phase): variants chosen by env vars read in packages/emulator (temporary switches).
import * as Fs from "node:fs"
import * as Path from "node:path"
import { api, appToken, fmt, median, type Row, ROOT, seedDb, startEmulatorProcess, startProcess, tmpDir } from "./lib.js"

const load = async (
  url: string,
  init: () => RequestInit,
  seconds: number,
  concurrency: number,
  ok = (status: number) => status === 200
) => {
  const deadline = performance.now() + seconds * 1000
  let done = 0
  let failed = 0
  let lastFailure = ""
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const res = await fetch(url, init())
      const text = await res.text()
      if (ok(res.status)) done++
      else {
        failed++
        lastFailure = `${res.status} ${text}`
      }
    }
  }))
  if (failed > 0) throw new Error(`${failed} failed requests against ${url}: ${lastFailure}`)
  return done / seconds
}

const withEnv = async <A>(env: Record<string, string>, f: () => Promise<A>) => {
  const saved = { ...process.env }
  Object.assign(process.env, env)
  try {
    return await f()
  } finally {
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k]
      else process.env[k] = saved[k]
    }
  }
}

const VARIANTS: Record<string, Record<string, string>> = {
  current: { EMU_SERVER: "node", EMU_SQL: "native", EMU_NO_STATIC: "0" },
  platformServer: { EMU_SERVER: "platform", EMU_SQL: "native", EMU_NO_STATIC: "0" },
  platformRouterOnly: { EMU_SERVER: "platform", EMU_SQL: "native", EMU_NO_STATIC: "1" },
  librarySql: { EMU_SERVER: "node", EMU_SQL: "library", EMU_NO_STATIC: "0" }
}

export const run = async (options: { seconds?: number; rounds?: number } = {}): Promise<Array<Row>> => {
  const seconds = options.seconds ?? 2
  const rounds = options.rounds ?? 5
  const names = (process.env.VARIANTS ?? Object.keys(VARIANTS).join(",")).split(",")
  const dir = tmpDir("internals")
  const query = "/users/v2.json?full_name[start_with]=Bench%20User%2012&limit=5"
  const servers: Record<string, { url: string; token: string; close: () => Promise<void> }> = {}
  let seq = 0
  try {
    for (const name of names) {
      const db = Path.join(dir, `${name}.sqlite`)
      await seedDb(db, 10_000)
      const server = await withEnv(VARIANTS[name]!, () => startEmulatorProcess(db))
      const token = await appToken(server.url)
      servers[name] = { url: server.url, token, close: server.close }
    }
    const first = servers[names[0]!]!
    const sample = await api(first.url, query, { token: first.token })
    if (sample.status !== 200) throw new Error(`getV2 answered ${sample.status}: ${JSON.stringify(sample.body)}`)
    const bodyFile = Path.join(dir, "body.json")
    Fs.writeFileSync(bodyFile, JSON.stringify(sample.body))
    const bare = await startProcess(process.execPath, [Path.join(ROOT, "test/bench/bare-server.mjs"), bodyFile])
    try {
      const getV2 = (name: string, s: number) =>
        load(`${servers[name]!.url}${query}`, () => ({ headers: { "CB-Token": servers[name]!.token } }), s, 32)
      const signup = (name: string, s: number) =>
        load(`${servers[name]!.url}/users.json`, () => ({
          method: "POST",
          headers: { "CB-Token": servers[name]!.token, "content-type": "application/json" },
          body: JSON.stringify({ user: { login: `signup${++seq}`, password: "password1" } })
        }), s, 8, (status) => status === 201)
      await load(`${bare.url}${query}`, () => ({}), 1, 32)
      for (const name of names) {
        await getV2(name, 1)
        await signup(name, 1)
      }
      const bareRuns: Array<number> = []
      const runs: Record<string, { get: Array<number>; post: Array<number> }> = {}
      for (const name of names) runs[name] = { get: [], post: [] }
      for (let round = 0; round < rounds; round++) {
        bareRuns.push(await load(`${bare.url}${query}`, () => ({}), seconds, 32))
        // rotate the order per round
        const order = names.map((_, i) => names[(i + round) % names.length]!)
        for (const name of order) runs[name]!.get.push(await getV2(name, seconds))
        for (const name of order) runs[name]!.post.push(await signup(name, seconds))
        console.error(`round ${round}`, JSON.stringify(runs), bareRuns)
      }
      const bareRps = median(bareRuns)
      const rows: Array<Row> = []
      for (const name of names) {
        const get = median(runs[name]!.get)
        rows.push({
          figure: `${name}: getV2`,
          value: `${fmt(get, 0)} req/s`,
          baseline: `bare ${fmt(bareRps, 0)}`,
          ratio: `${fmt(get / bareRps)}x`,
          goal: ""
        })
      }
      for (const name of names) {
        const post = median(runs[name]!.post)
        rows.push({
          figure: `${name}: signup`,
          value: `${fmt(post, 0)} req/s`,
          baseline: "",
          ratio: "",
          goal: ""
        })
      }
      return rows
    } finally {
      await bare.close()
    }
  } finally {
    for (const s of Object.values(servers)) await s.close()
  }
}
