/**
 * 5. Emulator throughput: getV2 requests per second against the emulator (its own process, 10k users on a
 * SQLite file) vs a bare node:http server answering the same JSON bytes. Load: 32 concurrent keep-alive
 * loops of fetch for a fixed time, from this process; 5 alternating rounds of 2 s each, medians.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { api, appToken, fmt, median, type Row, ROOT, seedDb, startEmulatorProcess, startProcess, tmpDir } from "./lib.js"

const load = async (url: string, headers: Record<string, string>, seconds: number, concurrency = 32) => {
  const deadline = performance.now() + seconds * 1000
  let done = 0
  let failed = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const res = await fetch(url, { headers })
      await res.arrayBuffer()
      if (res.ok) done++
      else failed++
    }
  }))
  if (failed > 0) throw new Error(`${failed} failed requests against ${url}`)
  return done / seconds
}

export const run = async (options: { seconds?: number; rounds?: number } = {}): Promise<Array<Row>> => {
  const seconds = options.seconds ?? 2
  const rounds = options.rounds ?? 5
  const dir = tmpDir("throughput")
  const db = Path.join(dir, "cube.sqlite")
  await seedDb(db, 10_000)
  const emulator = await startEmulatorProcess(db)
  const query = "/users/v2.json?full_name[start_with]=Bench%20User%2012&limit=5"
  try {
    const token = await appToken(emulator.url)
    const sample = await api(emulator.url, query, { token })
    if (sample.status !== 200) throw new Error(`getV2 answered ${sample.status}: ${JSON.stringify(sample.body)}`)
    const bodyFile = Path.join(dir, "body.json")
    Fs.writeFileSync(bodyFile, JSON.stringify(sample.body))
    const bare = await startProcess(process.execPath, [Path.join(ROOT, "test/bench/bare-server.mjs"), bodyFile])
    try {
      await load(`${bare.url}${query}`, {}, 1)
      await load(`${emulator.url}${query}`, { "CB-Token": token }, 1)
      // alternating rounds, medians: one slow second on a shared 2-core machine does not decide the figure
      const bareRuns: Array<number> = []
      const emuRuns: Array<number> = []
      for (let round = 0; round < rounds; round++) {
        bareRuns.push(await load(`${bare.url}${query}`, {}, seconds))
        emuRuns.push(await load(`${emulator.url}${query}`, { "CB-Token": token }, seconds))
      }
      const bareRps = median(bareRuns)
      const emuRps = median(emuRuns)
      return [{
        figure: "emulator getV2 throughput (10k users, start_with, limit 5)",
        value: `${fmt(emuRps, 0)} req/s`,
        baseline: `bare node:http ${fmt(bareRps, 0)} req/s`,
        ratio: `${fmt(emuRps / bareRps)}x`,
        goal: "≥ 0.85x (v3: 0.85x)"
      }]
    } finally {
      await bare.close()
    }
  } finally {
    await emulator.close()
  }
}
