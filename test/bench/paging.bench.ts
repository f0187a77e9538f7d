/**
 * 4. Paging: stream 100k users from the emulator with `Users.stream` (V2, 100 per page). Reports users/s and
 * the heap growth while streaming (sampled every 10k users, after a GC when `--expose-gc` is on), against the
 * heap before the stream started.
 */
import { Cube } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import * as Path from "node:path"
import { APP, fmt, mb, type Row, seedDb, startEmulatorProcess, tmpDir } from "./lib.js"

const gc = (globalThis as { gc?: () => void }).gc

export const run = async (options: { users?: number } = {}): Promise<Array<Row>> => {
  const n = options.users ?? 100_000
  const db = Path.join(tmpDir("paging"), "cube.sqlite")
  await seedDb(db, n)
  const server = await startEmulatorProcess(db)
  const rt = ManagedRuntime.make(
    Users.layer.pipe(Layer.provideMerge(Cube.layer({ ...APP, apiUrl: server.url })), Layer.provide(NodeHttpClient.layerUndici))
  )
  try {
    await rt.runPromise(Effect.flatMap(Users.Users, (u) => u.getV2({ user_tags: { in: ["bench"] }, limit: 1 })))
    gc?.()
    const before = process.memoryUsage().heapUsed
    let peak = 0
    let count = 0
    const start = performance.now()
    await rt.runPromise(Effect.flatMap(Users.Users, (users) =>
      users.stream({ user_tags: { in: ["bench"] }, limit: 100 }).pipe(
        Stream.runForEach(() =>
          Effect.sync(() => {
            count++
            if (count % 10_000 === 0) {
              gc?.()
              peak = Math.max(peak, process.memoryUsage().heapUsed - before)
            }
          })
        )
      )))
    const seconds = (performance.now() - start) / 1000
    if (count !== n) throw new Error(`streamed ${count} users, expected ${n}`)
    return [
      {
        figure: `stream ${n.toLocaleString("en")} users (V2, 100/page): heap growth`,
        value: mb(peak),
        baseline: `heap before ${mb(before)}${gc ? "" : " (no --expose-gc: upper bound)"}`,
        ratio: "",
        goal: "< 20 MB, flat"
      },
      {
        figure: `stream ${n.toLocaleString("en")} users: throughput`,
        value: `${fmt(count / seconds, 0)} users/s`,
        baseline: `${fmt(seconds, 1)} s total`,
        ratio: "",
        goal: ""
      }
    ]
  } finally {
    await rt.dispose()
    await server.close()
  }
}
