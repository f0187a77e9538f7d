/**
 * `pnpm bench`: runs every benchmark in this folder and writes RESULTS.md (figure, value, baseline, ratio,
 * goal, machine). `pnpm bench overhead storm` runs a subset. Speed and memory are measured here, as ratios
 * against a baseline measured in the same run, never as timed tests.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { ROOT, type Row } from "./lib.js"

const all = ["overhead", "storm", "size", "paging", "throughput", "coldstart", "upload", "handwritten", "emulator-internals", "ui"] as const
const chosen = process.argv.slice(2).filter((a) => a !== "--")
const names = chosen.length > 0 ? all.filter((n) => chosen.includes(n)) : all

const rows: Array<Row> = []
for (const name of names) {
  const started = performance.now()
  process.stdout.write(`bench ${name} … `)
  try {
    const mod = await import(`./${name}.bench.js`)
    const result: Array<Row> = await mod.run()
    rows.push(...result)
    console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    for (const r of result) console.log(`  ${r.figure}: ${r.value} | ${r.baseline} | ${r.ratio} | ${r.goal}`)
  } catch (error) {
    console.log("FAILED")
    console.error(error)
    process.exitCode = 1
  }
}

const machine = `${Os.cpus().length} × ${Os.cpus()[0]?.model ?? "cpu"}, ${(Os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${Os.platform()}`
const table = [
  "| figure | value | baseline | ratio | goal |",
  "| --- | --- | --- | --- | --- |",
  ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.goal} |`)
].join("\n")
const file = Path.join(ROOT, "test/bench/RESULTS.md")
const doc = `# Benchmark results

Written by \`pnpm bench\` (${new Date().toISOString().slice(0, 10)}). Machine: ${machine}.
Every ratio is against a baseline measured in the same run. Loopback only; the emulator runs in its own process.

${table}
`
if (chosen.length === 0) Fs.writeFileSync(file, doc)
else console.log(`\n${table}\n(subset: RESULTS.md not rewritten)`)
