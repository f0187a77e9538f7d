/**
 * 1. Call overhead: `users.getV2` through the Effect SDK (the SDK's `UndiciClient` and `NodeClient`, the platform's undici and fetch
 * transports), the promise adapter,
 * the official `connectycube` SDK and a raw `fetch` with a hand-built URL — same emulator process, same
 * data, interleaved rounds in one run. Ratios are against raw fetch. Each client's time per call, and this process's CPU
 * per call (the client's own work, without the emulator's share and less exposed to the VM's noise).
 */
import { createClient } from "@connectycube-effect/promise"
import { Cube } from "@connectycube-effect/http"
import * as NodeClient from "@connectycube-effect/http/NodeClient"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import { Users } from "@connectycube-effect/users"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { APP, appToken, fmt, median, ratio, type Row, seedDb, startEmulatorProcess, tmpDir } from "./lib.js"

const require = createRequire(import.meta.url)

export const run = async (options: { calls?: number; rounds?: number } = {}): Promise<Array<Row>> => {
  const calls = options.calls ?? 400
  const rounds = options.rounds ?? 9
  const db = Path.join(tmpDir("overhead"), "cube.sqlite")
  await seedDb(db, 200)
  const server = await startEmulatorProcess(db)
  try {
    const url = server.url
    const token = await appToken(url)
    const query = "login=bench42"

    const effectRuntime = (transport: Layer.Layer<HttpClient.HttpClient>) =>
      ManagedRuntime.make(
        Users.layer.pipe(Layer.provideMerge(Cube.layer({ ...APP, apiUrl: url })), Layer.provide(transport))
      )
    const leanRt = effectRuntime(UndiciClient.layer)
    const nodeRt = effectRuntime(NodeClient.layer)
    const undiciRt = effectRuntime(NodeHttpClient.layerUndici)
    const fetchRt = effectRuntime(FetchHttpClient.layer)
    const loop = (rt: ManagedRuntime.ManagedRuntime<Users.Users, unknown>) => (n: number) =>
      rt.runPromise(Effect.flatMap(Users.Users, (users) =>
        Effect.repeat(users.getV2({ login: "bench42" }), { times: n - 1 })))

    const adapter = createClient({ credentials: APP, config: { endpoints: { api_url: url } } })
    const official = require("connectycube").default
    official.init(APP, { endpoints: { api_url: url }, debug: { mode: 0 } })

    // warm up every client (sessions, connections, JIT)
    await loop(leanRt)(50)
    await loop(nodeRt)(50)
    await loop(undiciRt)(50)
    await loop(fetchRt)(50)
    await adapter.createSession()
    await official.createSession()
    for (let i = 0; i < 50; i++) {
      await adapter.users.getV2({ login: "bench42" })
      await official.users.getV2({ login: "bench42" })
      await (await fetch(`${url}/users/v2.json?${query}`, { headers: { "CB-Token": token } })).json()
    }

    const clients: Record<string, (n: number) => Promise<unknown>> = {
      "raw fetch": async (n) => {
        for (let i = 0; i < n; i++) {
          await (await fetch(`${url}/users/v2.json?${query}`, { headers: { "CB-Token": token } })).json()
        }
      },
      "Effect API (UndiciClient)": loop(leanRt),
      "Effect API (NodeClient)": loop(nodeRt),
      "Effect API (platform NodeHttpClient.layerUndici)": loop(undiciRt),
      "Effect API (fetch)": loop(fetchRt),
      "promise adapter": async (n) => {
        for (let i = 0; i < n; i++) await adapter.users.getV2({ login: "bench42" })
      },
      "official connectycube 6.1.2": async (n) => {
        for (let i = 0; i < n; i++) await official.users.getV2({ login: "bench42" })
      }
    }
    const samples: Record<string, Array<number>> = Object.fromEntries(Object.keys(clients).map((k) => [k, []]))
    // This process's CPU per call as well: wall time includes the emulator's share and the VM's noise; the client's
    // own CPU is what an SDK adds.
    const cpu: Record<string, Array<number>> = Object.fromEntries(Object.keys(clients).map((k) => [k, []]))
    for (let r = 0; r < rounds; r++) {
      // a different order each round, so no client always runs right after the same neighbour
      const order = Object.entries(clients)
      for (let i = 0; i < r % order.length; i++) order.push(order.shift()!)
      for (const [name, fn] of order) {
        // each client starts on a clean heap, not paying for the garbage of the one before it
        ;(globalThis as { gc?: () => void }).gc?.()
        const start = performance.now()
        const cpu0 = process.cpuUsage()
        await fn(calls)
        const used = process.cpuUsage(cpu0)
        samples[name]!.push((performance.now() - start) / calls)
        cpu[name]!.push((used.user + used.system) / calls)
      }
    }
    await leanRt.dispose()
    await nodeRt.dispose()
    await undiciRt.dispose()
    await fetchRt.dispose()
    await adapter.dispose()
    const base = median(samples["raw fetch"]!)
    const officialMs = median(samples["official connectycube 6.1.2"]!)
    const cpuBase = median(cpu["raw fetch"]!)
    const officialCpu = median(cpu["official connectycube 6.1.2"]!)
    const cpuRows = Object.entries(cpu).map(([name, xs]) => ({
      figure: `getV2 client CPU per call: ${name}`,
      value: `${fmt(median(xs), 0)} µs`,
      baseline: `raw fetch ${fmt(cpuBase, 0)} µs`,
      ratio: ratio(median(xs), cpuBase),
      goal: name === "promise adapter" || name.startsWith("Effect API (UndiciClient)") || name === "Effect API (NodeClient)" ? `≤ official (${ratio(officialCpu, cpuBase)})` : ""
    }))
    return Object.entries(samples).map(([name, xs]) => ({
      figure: `getV2 per call: ${name}`,
      value: `${fmt(median(xs) * 1000, 0)} µs`,
      baseline: `raw fetch ${fmt(base * 1000, 0)} µs`,
      ratio: ratio(median(xs), base),
      goal: name === "Effect API (UndiciClient)" || name === "Effect API (NodeClient)"
        ? `≤ 1.10x fetch; ≤ official (${ratio(officialMs, base)})`
        : name === "promise adapter (NodeClient)" || name === "promise adapter"
        ? `≤ official (${ratio(officialMs, base)})`
        : ""
    })).concat(cpuRows)
  } finally {
    await server.close()
  }
}
