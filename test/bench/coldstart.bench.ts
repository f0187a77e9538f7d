/**
 * 6. Cold start: a fresh Node process that imports the SDK and creates one session against the emulator,
 * ours (the promise adapter, bundled the way it is published: our packages inlined, effect and
 * @effect/platform as installed dependencies) vs the official SDK. Median wall time of 5 runs each.
 */
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fmt, median, ratio, type Row, ROOT, seedDb, startEmulatorProcess, tmpDir } from "./lib.js"

export const run = async (options: { runs?: number } = {}): Promise<Array<Row>> => {
  const runs = options.runs ?? 5
  const dir = tmpDir("coldstart")
  const db = Path.join(dir, "cube.sqlite")
  await seedDb(db, 1)
  const server = await startEmulatorProcess(db)
  try {
    const oursEntry = Path.join(ROOT, "test", ".coldstart-ours.ts")
    Fs.writeFileSync(oursEntry, `
const t0 = performance.now()
const { default: ConnectyCube } = await import("@connectycube-effect/promise")
ConnectyCube.init({ appId: 1, authKey: "emulator-auth-key" }, { endpoints: { api_url: process.argv[2] } })
await ConnectyCube.createSession()
console.log(performance.now() - t0)
// exit at once, as the official script below does (both would otherwise wait for idle keep-alive sockets)
process.exit(0)
`)
    const oursFile = Path.join(ROOT, "test", ".coldstart-ours.mjs")
    try {
      await build({
        entryPoints: [oursEntry],
        bundle: true,
        format: "esm",
        platform: "node",
        target: "node20",
        outfile: oursFile,
        logLevel: "silent",
        // inline our packages, leave the rest to node_modules, as an installed package would
        plugins: [{
          name: "external-deps",
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith("@connectycube-effect/") || args.path.startsWith("#") ? undefined : { path: args.path, external: true })
          }
        }]
      })
      const officialFile = Path.join(ROOT, "test", ".coldstart-official.cjs")
      Fs.writeFileSync(officialFile, `
const t0 = performance.now()
const ConnectyCube = require("connectycube").default
ConnectyCube.init({ appId: 1, authKey: "emulator-auth-key" }, { endpoints: { api_url: process.argv[2] }, debug: { mode: 0 } })
ConnectyCube.createSession().then(() => { console.log(performance.now() - t0); process.exit(0) })
`)
      const time = (file: string) => {
        const start = performance.now()
        const inner = Number(execFileSync(process.execPath, [file, server.url], { cwd: Path.join(ROOT, "test") }).toString().trim())
        return { wall: performance.now() - start, inner }
      }
      const ours: Array<{ wall: number; inner: number }> = []
      const theirs: Array<{ wall: number; inner: number }> = []
      time(oursFile)
      time(officialFile)
      for (let i = 0; i < runs; i++) {
        ours.push(time(oursFile))
        theirs.push(time(officialFile))
      }
      Fs.rmSync(officialFile, { force: true })
      const o = median(ours.map((x) => x.wall))
      const t = median(theirs.map((x) => x.wall))
      return [{
        figure: "cold start: node process, import + init + first createSession (promise adapter)",
        value: `${fmt(o, 0)} ms (in-script ${fmt(median(ours.map((x) => x.inner)), 0)} ms)`,
        baseline: `official ${fmt(t, 0)} ms (in-script ${fmt(median(theirs.map((x) => x.inner)), 0)} ms)`,
        ratio: ratio(o, t),
        goal: "report"
      }]
    } finally {
      Fs.rmSync(oursEntry, { force: true })
      Fs.rmSync(oursFile, { force: true })
    }
  } finally {
    await server.close()
  }
}
