import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import { gzipSync } from "node:zlib"
import { assets } from "../src/internal/UiAssets.js"

interface BuildScript {
  readonly MODULE: string
  readonly renderModule: () => Promise<string>
}

// The build script is plain JavaScript (it runs without tsx): imported by URL, typed here.
const script = new URL("../scripts/build-ui.mjs", import.meta.url)
const build = () => import(script.href) as Promise<BuildScript>

const KB = 1024

describe("UiAssets (the web UI, generated from packages/emulator/ui by scripts/build-ui.mjs)", () => {
  it("the committed module is what a fresh build makes (run `pnpm --filter @connectycube-effect/emulator build:ui`)", async () => {
    const { MODULE, renderModule } = await build()
    const fresh = await renderModule()
    expect(Fs.readFileSync(MODULE, "utf8") === fresh, "src/internal/UiAssets.ts is stale: run the build:ui script").toBe(true)
  }, 60_000)

  it("the page, its script and its style, the whole UI under 60 KB gzipped", () => {
    expect(assets.map((a) => [a.path, a.contentType])).toEqual([
      ["index.html", "text/html; charset=utf-8"],
      ["app.js", "text/javascript; charset=utf-8"],
      ["app.css", "text/css; charset=utf-8"]
    ])
    const gzipped = assets.reduce((n, a) => n + gzipSync(Buffer.from(a.body, "utf8"), { level: 9 }).length, 0)
    expect(gzipped).toBeGreaterThan(1 * KB)
    expect(gzipped).toBeLessThan(60 * KB)
  })

  it("the page loads only its own listed assets, with no inline script or style (its Content-Security-Policy forbids them)", () => {
    const html = assets.find((a) => a.path === "index.html")!.body
    const refs = Array.from(html.matchAll(/(?:src|href)="([^"#]+)"/g), (m) => m[1]!)
    expect(refs.sort()).toEqual(["/__emulator/ui/app.css", "/__emulator/ui/app.js", "data:,"])
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i)
    // nothing is fetched from another origin: the UI works offline
    for (const asset of assets) expect(asset.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/)
  })
})
