/**
 * 10. The emulator web UI (issue 19): its size (every asset gzipped, as served) and its first contentful paint in
 * headless Chromium (Debian's, driven by playwright-core) from an emulator process on loopback, against a baseline
 * measured in the same run: a one-paragraph page from a bare node:http server. Fresh pages (nothing cached), the two
 * alternating, median of 9 each; "data shown" is when the Overview's counts are on screen (page, assets and the first
 * control call). Skipped (no row) without /usr/bin/chromium.
 */
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import { gzipSync } from "node:zlib"
import { chromium } from "playwright-core"
import { assets } from "../../packages/emulator/src/internal/UiAssets.js"
import { fmt, kb, median, ratio, type Row, seedDb, startEmulatorProcess, tmpDir } from "./lib.js"

const CHROMIUM = "/usr/bin/chromium"

export const run = async (options: { runs?: number } = {}): Promise<Array<Row>> => {
  const gzipped = assets.reduce((n, a) => n + gzipSync(Buffer.from(a.body, "utf8"), { level: 9 }).length, 0)
  const rows: Array<Row> = [{
    figure: "emulator web UI: every asset, gzipped",
    value: kb(gzipped),
    baseline: `${assets.length} assets, ${kb(assets.reduce((n, a) => n + Buffer.byteLength(a.body), 0))} raw`,
    ratio: "",
    goal: "< 60 KB"
  }]
  if (!Fs.existsSync(CHROMIUM)) {
    console.warn(`ui bench: ${CHROMIUM} is absent, first paint not measured`)
    return rows
  }
  const runs = options.runs ?? 9
  const dir = tmpDir("ui")
  const db = Path.join(dir, "cube.sqlite")
  await seedDb(db, 100)
  const server = await startEmulatorProcess(db)
  const bare = Http.createServer((_, res) => res.end("<!doctype html><title>baseline</title><p>baseline</p>"))
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve))
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] })
  try {
    const load = async (url: string, ready: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      try {
        const page = await context.newPage()
        await page.goto(url)
        await page.locator(ready).first().waitFor({ timeout: 30_000 })
        return await page.evaluate(() => ({
          fcp: performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint")?.startTime ?? NaN,
          shown: performance.now()
        }))
      } finally {
        await context.close()
      }
    }
    await load(`${server.url}/__emulator/ui/#/overview`, '[data-count="users"]') // warm the emulator and the browser
    const ui: Array<{ fcp: number; shown: number }> = []
    const base: Array<number> = []
    for (let i = 0; i < runs; i++) {
      ui.push(await load(`${server.url}/__emulator/ui/#/overview`, '[data-count="users"]'))
      base.push((await load(bareUrl, "p")).fcp)
    }
    const fcp = median(ui.map((l) => l.fcp))
    const baseline = median(base)
    rows.push(
      {
        figure: `emulator web UI: first contentful paint (Chromium ${browser.version()}, fresh page)`,
        value: `${fmt(fcp, 0)} ms`,
        baseline: `bare one-paragraph page ${fmt(baseline, 0)} ms`,
        ratio: ratio(fcp, baseline),
        goal: "< 300 ms"
      },
      {
        figure: "emulator web UI: Overview data on screen (page, assets, first control call)",
        value: `${fmt(median(ui.map((l) => l.shown)), 0)} ms`,
        baseline: `bare one-paragraph page ${fmt(baseline, 0)} ms`,
        ratio: ratio(median(ui.map((l) => l.shown)), baseline),
        goal: ""
      }
    )
  } finally {
    await browser.close()
    await new Promise((resolve) => bare.close(resolve))
    await server.close()
  }
  return rows
}
