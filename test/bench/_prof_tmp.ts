// temporary profiling driver (not committed): seeds, starts the emulator with extra node flags, loads it
import * as Path from "node:path"
import { appToken, seedDb, startProcess, tmpDir } from "./lib.js"
const flags = (process.env.EMU_FLAGS ?? "").split(" ").filter((s) => s !== "")
const seconds = Number(process.env.SECONDS_LOAD ?? 8)
const dir = tmpDir("prof")
const db = Path.join(dir, "cube.sqlite")
await seedDb(db, 10_000)
const emu = await startProcess(process.execPath, [...flags, "--import", "tsx", "packages/emulator/src/bin.ts", "--port", "0", "--db", db])
const pid = emu.child.pid!
const token = await appToken(emu.url)
const query = "/users/v2.json?full_name[start_with]=Bench%20User%2012&limit=5"
const load = async (s: number) => {
  const deadline = performance.now() + s * 1000
  let done = 0
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (performance.now() < deadline) {
      const res = await fetch(`${emu.url}${query}`, { headers: { "CB-Token": token } })
      await res.arrayBuffer()
      if (!res.ok) throw new Error(String(res.status))
      done++
    }
  }))
  return done
}
await load(2)
const cpu0 = (await import("node:fs")).readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")
const t0 = Number(cpu0[13]) + Number(cpu0[14])
const n = await load(seconds)
const cpu1 = (await import("node:fs")).readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")
const t1 = Number(cpu1[13]) + Number(cpu1[14])
console.log(`req/s ${(n / seconds).toFixed(0)}  emulator CPU µs/req ${((t1 - t0) * 10000 / n).toFixed(1)}`)
await emu.close()
