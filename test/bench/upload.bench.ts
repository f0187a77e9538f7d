/**
 * Memory of a streamed upload: a 50 MB `createAndUpload` from a generated stream, against a 1 MB one as
 * the baseline. The emulator runs in a child process (bytes on disk), so only the client's memory is
 * measured. Every 20 ms during the upload a GC runs and the heap (V8) and array buffers (where the
 * `Uint8Array` chunks live) are sampled; the figure is the peak growth over the level measured, after a GC,
 * before the upload: what the upload keeps alive at its worst. Ratios are against the 1 MB upload's growth,
 * floored at 1 MB (the growth of a small upload is within the noise).
 *
 * Run: `pnpm bench upload` (rows in the results table) or `npx tsx test/bench/upload.bench.ts` (a table per client).
 */
import { Cube, Session } from "@connectycube-effect/http"
import { Storage } from "@connectycube-effect/storage"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"
import * as V8 from "node:v8"
import * as Vm from "node:vm"
import type { Row } from "./lib.js"

const MB = 1024 * 1024
const self = Url.fileURLToPath(import.meta.url)

const gc: () => void = (() => {
  if (typeof globalThis.gc === "function") return globalThis.gc
  V8.setFlagsFromString("--expose-gc")
  return Vm.runInNewContext("gc") as () => void
})()

/** Child mode: start an emulator on a file database, report its URL, run until killed. */
const child = async () => {
  const { Emulator } = await import("@connectycube-effect/emulator")
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "upload-bench-"))
  const emu = await Emulator.startEmulator({ db: Path.join(dir, "bench.sqlite") })
  process.send?.({ url: emu.url })
  process.on("disconnect", () => {
    void emu.close().finally(() => {
      Fs.rmSync(dir, { recursive: true, force: true })
      process.exit(0)
    })
  })
}

const startEmulator = () =>
  new Promise<{ url: string; stop: () => void }>((resolve, reject) => {
    const proc = ChildProcess.fork(self, ["--child"], { execArgv: ["--import", "tsx"], stdio: "inherit" })
    proc.once("message", (m) => resolve({ url: (m as { url: string }).url, stop: () => proc.disconnect() }))
    proc.once("error", reject)
  })

const generated = (size: number) =>
  Stream.unfold(0, (at) =>
    Effect.sync(() => {
      if (at >= size) return undefined
      const n = Math.min(MB, size - at)
      return [new Uint8Array(n).fill(at / MB), at + n] as const
    }))

interface Sample {
  readonly heap: number
  readonly buffers: number
  readonly rss: number
}

const sample = (): Sample => {
  const m = process.memoryUsage()
  return { heap: m.heapUsed, buffers: m.arrayBuffers, rss: m.rss }
}

/** Uploads `size` bytes and returns the peak growth over the post-GC level before it. */
const measure = (url: string, http: Layer.Layer<HttpClient.HttpClient>, size: number) =>
  Effect.gen(function*() {
    yield* Effect.flatMap(Session.Session, (s) => s.create({ login: "bench", password: "password1" }))
    const storage = yield* Storage.Storage
    gc()
    const base = sample()
    const peak = { heap: 0, buffers: 0, rss: 0 }
    // A GC before each sample: the figure is what the upload keeps alive, not garbage not yet collected.
    const timer = setInterval(() => {
      gc()
      const s = sample()
      peak.heap = Math.max(peak.heap, s.heap - base.heap)
      peak.buffers = Math.max(peak.buffers, s.buffers - base.buffers)
      peak.rss = Math.max(peak.rss, s.rss - base.rss)
    }, 20)
    const started = performance.now()
    yield* storage.createAndUpload({ name: "bench.bin", file: generated(size), size, type: "application/octet-stream" }).pipe(
      Effect.ensuring(Effect.sync(() => clearInterval(timer)))
    )
    return { ...peak, ms: performance.now() - started }
  }).pipe(
    Effect.provide(
      Layer.mergeAll(Storage.layer).pipe(
        Layer.provideMerge(Cube.layer({ appId: 1, authKey: "emulator-auth-key", apiUrl: url })),
        Layer.provide(http)
      )
    )
  )

const fmt = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`

/** Runs the bench: a table when run alone, rows for `run.ts` (RESULTS.md). */
export const run = async (): Promise<Array<Row>> => {
  const emu = await startEmulator()
  try {
    const table: Array<Record<string, string>> = []
    const rows: Array<Row> = []
    for (
      const [name, http] of [
        ["FetchHttpClient", FetchHttpClient.layer],
        ["NodeHttpClient (node:http)", NodeHttpClient.layerNodeHttp],
        ["NodeHttpClient (undici)", NodeHttpClient.layerUndici]
      ] as const
    ) {
      await Effect.runPromise(measure(emu.url, http, MB)) // warm-up: JIT, connection pool, modules
      const small = await Effect.runPromise(measure(emu.url, http, MB))
      const large = await Effect.runPromise(measure(emu.url, http, 50 * MB))
      for (const [label, r] of [["1 MB", small], ["50 MB", large]] as const) {
        table.push({
          client: name,
          upload: label,
          "peak heap growth": fmt(r.heap),
          "peak array buffers growth": fmt(r.buffers),
          "peak rss growth": fmt(r.rss),
          time: `${Math.round(r.ms)} ms`
        })
      }
      rows.push({
        figure: `50 MB streamed upload, peak live V8 heap growth (${name})`,
        value: fmt(large.heap),
        baseline: `1 MB upload: ${fmt(small.heap)}`,
        ratio: `${(large.heap / Math.max(small.heap, MB)).toFixed(1)}×`,
        goal: "flat (the SDK buffers nothing)"
      }, {
        figure: `50 MB streamed upload, peak live array buffers growth (${name})`,
        value: fmt(large.buffers),
        baseline: `1 MB upload: ${fmt(small.buffers)}`,
        ratio: `${(large.buffers / Math.max(small.buffers, MB)).toFixed(1)}×`,
        goal: "a few MB in flight, ≪ 50 MB"
      })
    }
    if (isMain) {
      console.log("createAndUpload memory (client side; emulator in a child process)")
      console.table(table)
    }
    return rows
  } finally {
    emu.stop()
  }
}

const isMain = process.argv[1] !== undefined && Path.resolve(process.argv[1]) === self

if (process.argv.includes("--child")) void child()
else if (isMain) {
  run().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
