/**
 * Issue 19 × issue 17 §3, attacked from other origins: a web page the developer opens while the emulator runs.
 *
 * Such a page may use the REST API (it has CORS for the browser example, and an app's auth key ships in
 * every client), so it can upload a blob and link to its download, which is served on the origin of the UI
 * and the control API. What must hold:
 * - the REST download of a blob is inert on that origin (never sniffed, a sandboxed document) and every
 *   stored name and type makes a header Node can send: one it cannot used to end the emulator's process;
 * - the console's state-changing endpoints answer a deep, huge or misshapen JSON body with a 4xx JSON error;
 * - in Chromium, from another origin and from a `null` origin: no form post, `no-cors` fetch, beacon or CORS
 *   call changes state through `/__emulator/*`, and no CORS read or script include reads it.
 *
 * The browser part is skipped without /usr/bin/chromium, except in CI (`CI=true`), where it must run.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type Frame } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AUTH_KEY, call, postJson, signIn, start, storeBlob } from "./helpers.js"

type Emu = Awaited<ReturnType<typeof start>>

const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const BIN = Path.join(ROOT, "packages/emulator/src/bin.ts")

const CHROMIUM = "/usr/bin/chromium"
const available = Fs.existsSync(CHROMIUM)
const inCI = process.env.CI === "true" || process.env.CI === "1"

if (!available && !inCI) {
  console.warn(`console-csrf.test.ts: the browser part is skipped, ${CHROMIUM} is absent (apt-get install -y chromium)`)
}


/** The directives of a Content-Security-Policy header: `sandbox` alone (no `allow-*` token) makes a document inert. */
const sandboxTokens = (csp: string | null): ReadonlyArray<string> | undefined => {
  const directive = (csp ?? "").split(";").map((d) => d.trim().split(/\s+/)).find((d) => d[0]?.toLowerCase() === "sandbox")
  return directive?.slice(1)
}

describe("attack: the origin of the UI and the control API, over HTTP (REST downloads, console bodies)", () => {
  let emu: Emu
  beforeAll(async () => {
    emu = await start()
  })
  afterAll(() => emu.close())

  it("bytes a browser would render (HTML, SVG, XML, sniffable) come sandboxed and never sniffed, their type kept", async () => {
    const user = await signIn(emu.url, "inert-uploader")
    const script = "<script>fetch('/__emulator/apps/1/auth-key')</script>"
    for (const type of ["text/html", "TEXT/HTML; charset=utf-8", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/unknown", "text/plain", "image/png"]) {
      for (const pub of [true, false]) {
        const blob = await storeBlob(emu.url, user.token, { name: "page.html", type, body: script, public: pub })
        const query = pub ? "" : `?token=${user.token}`
        for (const path of [`/blobs/${blob.uid}${query}`, `/blobs/${blob.uid}/download${query}`]) {
          const res = await call(`${emu.url}${path}`)
          const what = `${type} ${pub ? "public" : "private"} ${path}`
          expect(res.status, what).toBe(200)
          // the API answer is kept: the bytes and the stored type (the SDK and the browser example read them)
          expect(res.text, what).toBe(script)
          expect(res.headers.get("content-type"), what).toBe(type)
          expect(res.headers.get("x-content-type-options"), what).toBe("nosniff")
          expect(sandboxTokens(res.headers.get("content-security-policy")), what).toEqual([])
          expect(res.headers.get("access-control-allow-origin"), what).toBe("*")
        }
      }
    }
  })

  it("the console's state-changing endpoints answer a deep, huge or misshapen body with a 4xx JSON error", async () => {
    const user = await signIn(emu.url, "bad-body-target")
    const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n)
    const deepObject = (n: number) => "{\"a\":".repeat(n) + "1" + "}".repeat(n)
    const cases: ReadonlyArray<readonly [method: string, path: string, body: string]> = [
      ["POST", "/__emulator/users", deepArray(100_000)],
      ["POST", "/__emulator/users", `{"user":{"login":"deep","password":"password1","custom_data":${deepObject(3000)}}}`],
      ["PUT", `/__emulator/users/${user.userId}`, `{"user":${deepObject(5000)}}`],
      ["POST", "/__emulator/users", JSON.stringify({ user: { login: "huge", password: "password1", custom_data: "x".repeat(2_000_000) } })],
      ["POST", "/__emulator/faults", `{"status":500,"body":${deepObject(5000)}}`],
      ["DELETE", `/__emulator/sessions/${"9".repeat(400)}`, deepArray(50_000)]
    ]
    for (const [method, path, body] of cases) {
      const res = await call(`${emu.url}${path}`, { method, headers: { "content-type": "application/json" }, body })
      const what = `${method} ${path.slice(0, 40)} ${body.slice(0, 40)}`
      expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
      expect(res.status, what).toBeLessThan(500)
      expect(JSON.parse(res.text).errors, what).toBeDefined()
    }
    expect(JSON.parse((await call(`${emu.url}/__emulator/users/${user.userId}`)).text).user.login).toBe("bad-body-target")
  })

  it("a blob name or type a header cannot carry neither ends the emulator nor fails the download", async () => {
    // the CLI in a child process: a throw while answering ends the process, as it would for a developer
    const child = spawn(process.execPath, ["--import", "tsx", BIN, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    let exited: number | null | undefined
    child.once("exit", (code) => (exited = code))
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let out = ""
        const timer = setTimeout(() => reject(new Error(`no listening line within 60 s: ${out}`)), 60_000)
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString()
          const m = /^listening on (http:\/\/\S+)\n/m.exec(out)
          if (m !== null) {
            clearTimeout(timer)
            resolve(m[1]!)
          }
        })
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)))
      })
      // what any page can do: sign in with the app's public auth key, upload, then ask for the bytes
      const session = await postJson(`${base}/session`, { application_id: 1, auth_key: AUTH_KEY, user: { login: "header-breaker", password: "password1" } })
      expect(session.status, session.text).toBe(201)
      const token = JSON.parse(session.text).session.token as string
      const cases: ReadonlyArray<readonly [name: string, type: string, sent: string]> = [
        ["€uro.png", "image/png", "image/png"],
        ["日本語 \"quoted\" \\ name.txt", "text/plain", "text/plain"],
        ["emoji 😀.txt", "text/plain", "text/plain"],
        ["notes.txt", "text/plain; charset=\"€\"", "text/plain"],
        ["café.html", "text/html; x=ü", "text/html"]
      ]
      for (const [name, type, sent] of cases) {
        const blob = await storeBlob(base, token, { name, type, body: "bytes", public: true })
        for (const path of [`/blobs/${blob.uid}`, `/blobs/${blob.uid}/download`, `/__emulator/blobs/${blob.id}/content`]) {
          const res = await call(`${base}${path}`).catch((error: Error) => ({ status: 0, headers: new Headers(), text: String(error.cause ?? error) }))
          expect(res.status, `${name} ${type} ${path}: ${res.text}`).toBe(200)
          expect(res.text).toBe("bytes")
          const disposition = res.headers.get("content-disposition") ?? ""
          expect(decodeURIComponent(/filename\*=UTF-8''(\S+)/.exec(disposition)?.[1] ?? ""), disposition).toBe(name)
          if (!path.startsWith("/__emulator/")) expect(res.headers.get("content-type")).toBe(sent)
        }
      }
      expect(exited).toBeUndefined()
      expect((await call(`${base}/__emulator/overview`)).status).toBe(200)
    } finally {
      child.kill("SIGKILL")
    }
  }, 90_000)
})

describe.skipIf(!(available || inCI))("attack: a page of another origin against the control API, in Chromium", () => {
  let emu: Emu
  let browser: Browser
  let attacker: Http.Server
  let evil: string
  let victim: { token: string; userId: number }

  beforeAll(async () => {
    expect(available, `${CHROMIUM} is required in CI (apt-get install -y chromium)`).toBe(true)
    emu = await start()
    victim = await signIn(emu.url, "csrf-victim")
    // the attacker's site: a blank page, and one that frames a `null`-origin document (a sandboxed srcdoc)
    attacker = Http.createServer((req, res) => {
      res.setHeader("content-type", "text/html")
      res.end(
        req.url === "/null" ?
          `<!doctype html><iframe sandbox="allow-scripts allow-forms" srcdoc="<!doctype html><p>null origin</p>"></iframe>` :
          "<!doctype html><p>a page</p>"
      )
    })
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve))
    evil = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => attacker?.close(resolve))
    await emu?.close()
  })

  /** What the page sees of the emulator (the counts, the victim, the faults, the clock): it must not move. */
  const snapshot = async () => {
    const overview = JSON.parse((await call(`${emu.url}/__emulator/overview`)).text)
    const detail = JSON.parse((await call(`${emu.url}/__emulator/users/${victim.userId}`)).text)
    const faults = JSON.parse((await call(`${emu.url}/__emulator/faults`)).text).faults
    return { counts: overview.counts, frozen: overview.clock.frozen, user: detail.user, faults }
  }

  /**
   * Every way a page sends a request without a preflight (form posts, `no-cors` fetch, beacons), and the CORS
   * calls that need one; each marked `?atk=<n>` so the test can wait until the browser settled all of them.
   */
  const attack = (frame: Frame, base: string, userId: number, tag: string) =>
    frame.evaluate(async ({ base, tag, userId }) => {
      const out: Record<string, string> = {}
      const url = (path: string, n: number) => `${base}${path}${path.includes("?") ? "&" : "?"}atk=${tag}${n}`
      const sink = document.createElement("iframe")
      sink.name = `sink-${tag}`
      document.body.append(sink)
      const post = (path: string, n: number, enctype: string, name: string, value: string) => {
        const form = document.createElement("form")
        form.method = "POST"
        form.enctype = enctype
        form.action = url(path, n)
        form.target = sink.name
        const input = document.createElement("input")
        input.name = name
        input.value = value
        form.append(input)
        document.body.append(form)
        form.submit()
      }
      // a text/plain form posts a JSON-looking body: `{"path":"/","status":500,"x":"=..."}`
      post("/__emulator/faults", 1, "text/plain", "{\"path\":\"/\",\"status\":500,\"x\":\"", "\"}")
      const json = { "content-type": "application/json" }
      const tries: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
        ["no-cors reset", () => fetch(url("/__emulator/reset", 2), { method: "POST", mode: "no-cors", headers: json, body: "{}" })],
        ["no-cors fault", () =>
          fetch(url("/__emulator/faults", 3), { method: "POST", mode: "no-cors", body: JSON.stringify({ path: "/", status: 500 }) })],
        ["cors delete", () => fetch(url(`/__emulator/users/${userId}`, 4), { method: "DELETE", headers: json, body: "{}" })],
        ["cors put", () =>
          fetch(url(`/__emulator/users/${userId}`, 5), { method: "PUT", headers: json, body: JSON.stringify({ user: { full_name: "pwned" } }) })],
        ["cors clock", () => fetch(url("/__emulator/clock", 6), { method: "POST", headers: json, body: JSON.stringify({ freeze: true }) })],
        ["cors read export", () => fetch(url("/__emulator/export?secrets=true", 7)).then((r) => r.text())],
        ["cors read key", () => fetch(url("/__emulator/apps/1/auth-key", 8)).then((r) => r.text())],
        ["cors read mails", () => fetch(url("/__emulator/emails", 9)).then((r) => r.text())]
      ]
      for (const [name, run] of tries) {
        try {
          const value = await run()
          out[name] = typeof value === "string" ? `read: ${value.slice(0, 80)}` : "sent"
        } catch {
          out[name] = "refused"
        }
      }
      out["beacon json"] = String(navigator.sendBeacon(url("/__emulator/reset", 10), new Blob(["{}"], { type: "application/json" })))
      out["beacon text"] = String(navigator.sendBeacon(url("/__emulator/reset", 11), "{}"))
      // a script include of JSON runs nothing and reads nothing
      for (const [n, path] of [[12, "/__emulator/apps/1/auth-key"], [13, "/__emulator/users"]] as const) {
        out[`script ${path}`] = await new Promise<string>((resolve) => {
          const s = document.createElement("script")
          s.src = url(path, n)
          s.onload = () => resolve("loaded")
          s.onerror = () => resolve("error")
          document.head.append(s)
        })
      }
      return out
    }, { base, tag, userId })

  /** The markers of the requests above, and the requests that reach the network (the rest stop at the preflight). */
  const MARKERS = 13

  it("no form post, no-cors fetch, beacon or CORS call from another origin or a null origin changes or reads anything", async () => {
    const before = await snapshot()
    expect(before.faults).toEqual([])
    const context = await browser.newContext()
    const page = await context.newPage()
    const settled = new Map<string, number>()
    const onSettled = (request: { url(): string }, status: number) => {
      const m = /[?&]atk=([a-z]+\d+)/.exec(request.url())
      if (m !== null && !request.url().startsWith(evil)) settled.set(m[1]!, status)
    }
    page.on("requestfinished", (request) => {
      void request.response().then((response) => onSettled(request, response?.status() ?? 0))
    })
    page.on("requestfailed", (request) => onSettled(request, -1))
    try {
      await page.goto(`${evil}/null`)
      const nullFrame = page.frames().find((f) => f !== page.mainFrame())!
      expect(await nullFrame.evaluate(() => self.origin)).toBe("null")
      for (const [frame, tag] of [[page.mainFrame(), "http"], [nullFrame, "null"]] as const) {
        const seen = await attack(frame, emu.url, victim.userId, tag)
        expect(seen, tag).toEqual({
          "no-cors reset": "sent", // an opaque answer: sent without its JSON type (the browser drops it), refused
          "no-cors fault": "sent",
          "cors delete": "refused",
          "cors put": "refused",
          "cors clock": "refused",
          "cors read export": "refused",
          "cors read key": "refused",
          "cors read mails": "refused",
          "beacon json": "true", // queued; its preflight is refused
          "beacon text": "true",
          "script /__emulator/apps/1/auth-key": "error",
          "script /__emulator/users": "error"
        })
      }
      // wait until the browser settled every marked request of both origins (a beacon settles after the page's call)
      await expect.poll(() => settled.size, { timeout: 20_000 }).toBe(2 * MARKERS)
      // what reached the emulator without a preflight was refused for its type
      for (const tag of ["http", "null"]) {
        expect(settled.get(`${tag}1`), `${tag} form post`).toBe(415)
        expect(settled.get(`${tag}11`), `${tag} text beacon`).toBe(415)
      }
    } finally {
      await context.close()
    }
    expect(await snapshot()).toEqual(before)
  }, 120_000)
})
