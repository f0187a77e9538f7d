/**
 * The browser example (docs/examples/browser) in headless Chromium from Debian's `chromium` package: its
 * `serve.ts` builds the page with esbuild and serves it next to an in-process emulator (another origin, so
 * CORS is exercised); Chromium loads it with `--dump-dom` and a virtual-time budget, so the DOM is dumped once
 * the page's requests have settled. The page must reach `data-state="done"` with the avatar decoded (64 px
 * wide), and the emulator must have served the private avatar URL.
 *
 * Without /usr/bin/chromium the test is skipped, except in CI (`CI=true`), where it must run.
 */
import { execFile, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const CHROMIUM = "/usr/bin/chromium"
const available = Fs.existsSync(CHROMIUM)
const inCI = process.env.CI === "true" || process.env.CI === "1"

if (!available && !inCI) {
  console.warn(`browser.test.ts: skipped, ${CHROMIUM} is absent (apt-get install -y chromium); in CI it is required`)
}

/** Starts `serve.ts`; resolves once it printed the page URL and the emulator URL. */
const startServer = () =>
  new Promise<{ readonly page: string; readonly emulator: string; readonly stop: () => void }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "docs/examples/browser/serve.ts"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    const timer = setTimeout(() => fail(new Error(`serve.ts printed no URL in 60 s:\n${out}\n${err}`)), 60_000)
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill()
      reject(error)
    }
    child.stderr.on("data", (chunk) => (err += String(chunk)))
    child.stdout.on("data", (chunk) => {
      out += String(chunk)
      const page = /^open (\S+)$/m.exec(out)?.[1]
      const emulator = /^emulator: (\S+)$/m.exec(out)?.[1]
      if (page !== undefined && emulator !== undefined) {
        clearTimeout(timer)
        resolve({ page, emulator, stop: () => child.kill("SIGTERM") })
      }
    })
    child.on("exit", (code) => fail(new Error(`serve.ts exited (${code}):\n${out}\n${err}`)))
  })

const dumpDom = (url: string, userDataDir: string) =>
  new Promise<string>((resolve, reject) => {
    execFile(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${userDataDir}`,
        // waits (in virtual time, which stands still while requests are pending) for the page's async work
        "--virtual-time-budget=30000",
        "--dump-dom",
        url
      ],
      { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error === null ? resolve(stdout) : reject(new Error(`chromium failed: ${error.message}\n${stderr.slice(-2000)}`))
    )
  })

describe("docs/examples/browser", () => {
  it.skipIf(!available && !inCI)("signs up, uploads an avatar and shows it with <img src=privateUrl> in headless Chromium", async () => {
    expect(available, `${CHROMIUM} is required in CI (apt-get install -y chromium)`).toBe(true)
    const server = await startServer()
    const userDataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cube-chromium-"))
    try {
      const dom = await dumpDom(server.page, userDataDir)
      const status = /<p id="status"[^>]*>[^<]*<\/p>/.exec(dom)?.[0] ?? dom.slice(0, 2000)
      expect(status).toContain(`data-state="done"`)
      expect(status).toContain(`data-avatar-width="64"`)
      expect(dom).toMatch(/<img id="avatar" alt="avatar" src="http:\/\/127\.0\.0\.1:\d+\/blobs\/\w+\?token=\w+">/)
      expect(dom).toContain("private=true")

      // the emulator saw the whole flow, the image request included, from the page's origin
      const log = await (await fetch(`${server.emulator}/__emulator/requests`)).json() as {
        readonly requests: ReadonlyArray<{ readonly method: string; readonly path: string; readonly status: number }>
      }
      const seen = log.requests.map((e) => `${e.method} ${e.path.replace(/\.json$/, "").replace(/\/blobs\/\w{20,}/, "/blobs/UID")} ${e.status}`)
      expect(seen).toEqual(expect.arrayContaining(["POST /users 201", "POST /blobs 201", "PUT /users/1 200", "GET /blobs/UID 200"]))
    } finally {
      server.stop()
      Fs.rmSync(userDataDir, { recursive: true, force: true })
    }
  }, 180_000)
})
