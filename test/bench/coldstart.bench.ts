/**
 * 6. Cold start: a fresh Node process that imports the SDK and creates one session against the emulator,
 * ours (the promise adapter, bundled the way it is published: our packages inlined, effect and
 * @effect/platform-node as installed dependencies) vs the official SDK. Median wall time of 11 runs each. Also the same
 * script bundled into one file with effect inlined, as a serverless build (esbuild, ncc) ships it: most of the
 * installed form's time is Node resolving and loading effect's modules one by one.
 */
import { build, type BuildOptions } from "esbuild"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fmt, median, ratio, type Row, ROOT, seedDb, startEmulatorProcess, tmpDir } from "./lib.js"

export const run = async (options: { runs?: number } = {}): Promise<Array<Row>> => {
  const runs = options.runs ?? 11
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
    const bundledFile = Path.join(ROOT, "test", ".coldstart-bundled.mjs")
    try {
      const options: BuildOptions = {
        entryPoints: [oursEntry],
        bundle: true,
        format: "esm",
        platform: "node",
        target: "node22",
        logLevel: "silent"
      }
      await build({
        ...options,
        outfile: oursFile,
        // inline our packages, leave the rest to node_modules, as an installed package would
        plugins: [{
          name: "external-deps",
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith("@connectycube-effect/") || args.path.startsWith("#") ? undefined : { path: args.path, external: true })
          }
        }]
      })
      // everything inlined (effect too), as a serverless function's bundle would be
      await build({ ...options, outfile: bundledFile })
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
      const bundled: Array<{ wall: number; inner: number }> = []
      const theirs: Array<{ wall: number; inner: number }> = []
      time(oursFile)
      time(bundledFile)
      time(officialFile)
      for (let i = 0; i < runs; i++) {
        ours.push(time(oursFile))
        bundled.push(time(bundledFile))
        theirs.push(time(officialFile))
      }
      Fs.rmSync(officialFile, { force: true })
      const t = median(theirs.map((x) => x.wall))
      const row = (figure: string, runs: ReadonlyArray<{ wall: number; inner: number }>, goal: string): Row => {
        const o = median(runs.map((x) => x.wall))
        return {
          figure,
          value: `${fmt(o, 0)} ms (in-script ${fmt(median(runs.map((x) => x.inner)), 0)} ms)`,
          baseline: `official ${fmt(t, 0)} ms (in-script ${fmt(median(theirs.map((x) => x.inner)), 0)} ms)`,
          ratio: ratio(o, t),
          goal
        }
      }
      return [
        row("cold start: node process, import + init + first createSession (promise adapter)", ours, "≤ 2.0x official (v3: 4.30x)"),
        row("cold start: the same, bundled into one file (as a serverless build ships it)", bundled, "≤ 1.2x official (v3: 2.05x)")
      ]
    } finally {
      Fs.rmSync(oursEntry, { force: true })
      Fs.rmSync(oursFile, { force: true })
      Fs.rmSync(bundledFile, { force: true })
    }
  } finally {
    await server.close()
  }
}
