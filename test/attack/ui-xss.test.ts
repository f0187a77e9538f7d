/**
 * Issue 19, attacked: stored markup and uploaded bytes against the web UI's origin, in headless Chromium.
 *
 * The UI, the control API (auth key reveal, export with secrets, reset) and the REST API share one origin:
 * whatever runs script there owns the emulator. So:
 * - data any API client can write (user fields, tags, custom_data, blob names and types, request paths and
 *   queries, reset mails, fault bodies) shows as text in every view: no element, no `javascript:` link, no
 *   Content-Security-Policy violation comes out of it;
 * - uploaded bytes (HTML, SVG, XHTML, XML, a type Chromium sniffs) never run as a document of the origin,
 *   neither through the REST download (`GET /blobs/{uid}`, which any page can set up through the REST API's
 *   CORS and the app's public auth key) nor through the console's `GET /__emulator/blobs/:id/content`;
 * - another origin cannot frame the UI (clickjacking).
 *
 * Without /usr/bin/chromium the tests are skipped, except in CI (`CI=true`), where they must run.
 */
import * as Emails from "@connectycube-effect/emulator/store/Emails"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AUTH_KEY, call, postJson, signIn, start, storeBlob } from "./helpers.js"

const CHROMIUM = "/usr/bin/chromium"
const available = Fs.existsSync(CHROMIUM)
const inCI = process.env.CI === "true" || process.env.CI === "1"
const run = available || inCI

if (!available && !inCI) {
  console.warn(`ui-xss.test.ts: skipped, ${CHROMIUM} is absent (apt-get install -y chromium); in CI it is required`)
}

type Emu = Awaited<ReturnType<typeof start>>

/** Markup that would leave a `[data-xss]` element (and, were script allowed, set `__xss`) if parsed as HTML. */
const markup = (n: number) => `<b data-xss="${n}">m${n}</b><img src=x data-xss onerror="window.__xss=${n}">`


/** A raw request (node:http sends `<`, `>` and `"` in a path or `Host` as they are; fetch would escape them). */
const raw = (url: string, path: string, init: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {}) =>
  new Promise<number>((resolve, reject) => {
    const target = new URL(url)
    const body = init.body
    const req = Http.request({
      host: target.hostname,
      port: target.port,
      path,
      method: init.method ?? "GET",
      headers: {
        ...(init.host === undefined ? {} : { host: init.host }),
        ...(body === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }),
        ...init.headers
      }
    }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode ?? 0))
    })
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")))
    req.on("error", reject)
    req.end(body)
  })

describe.skipIf(!run)("attack: markup and uploads against the web UI's origin, in Chromium", () => {
  let emu: Emu
  let browser: Browser
  let page: Page
  let attacker: { token: string; userId: number }
  const userIds: Array<number> = []
  /** CSP violations and uncaught errors of the UI page. */
  const problems: Array<string> = []

  beforeAll(async () => {
    expect(available, `${CHROMIUM} is required in CI (apt-get install -y chromium)`).toBe(true)
    emu = await start()
    const base = emu.url

    // users: markup in every free-text field an API client (or the operator) can write
    attacker = await signIn(base, "xss-attacker")
    userIds.push(attacker.userId)
    const update = await call(`${base}/users/${attacker.userId}`, {
      method: "PUT",
      headers: { "content-type": "application/json", "cb-token": attacker.token },
      body: JSON.stringify({
        user: {
          full_name: markup(1),
          phone: "<i data-xss>555</i>",
          custom_data: JSON.stringify({ note: markup(2), nested: { html: "<script data-xss>window.__xss=3</script>" } }),
          tag_list: ["<u data-xss>t</u>", "\"><s data-xss>"],
          email: "xss@example.com"
        }
      })
    })
    expect(update.status, update.text).toBe(200)
    for (const [login, customData] of [["<b data-xss>l1</b>", markup(4)], ["\"><img data-xss src=x>", "not json " + markup(5)]]) {
      const made = await postJson(`${base}/__emulator/users`, { user: { login, password: "password1", full_name: markup(6), custom_data: customData } })
      expect(made.status, made.text).toBe(201)
      userIds.push(JSON.parse(made.text).user.id)
    }

    // blobs: markup in names and content types; HTML bytes behind a text type (the text preview)
    await storeBlob(base, attacker.token, { name: markup(7), type: "text/html", body: markup(8) })
    await storeBlob(base, attacker.token, { name: "\"><b data-xss>n</b>.png", type: "image/png; x=\"<b data-xss>\"", body: markup(9) })
    await storeBlob(base, attacker.token, { name: "javascript:window.__xss=10", type: "text/plain", body: markup(11) })

    // reset mails: the body carries the user's markup; a forged Host no longer reaches the link (host-header.test.ts),
    // but a mail stored with one (a database of an older version, an import) must still show it as text
    const appSession = JSON.parse((await postJson(`${base}/session`, { application_id: 1, auth_key: AUTH_KEY })).text).session
    const mail = await raw(base, "/users/password/reset", {
      method: "POST",
      host: "mail.example\"><b data-xss>h</b>",
      headers: { "cb-token": appSession.token },
      body: JSON.stringify({ email: "xss@example.com" })
    })
    expect(mail).toBe(200)
    const forged = "http://mail.example\"><b data-xss>h</b>/users/password/edit?reset_password_token=0"
    await Effect.runPromise(emu.emulator.run(Emails.send({
      appId: 1,
      kind: "password_reset",
      to: "forged@example.com",
      subject: "Reset password instructions",
      body: `a stored link: ${forged}`,
      data: { reset_password_token: "0", link: forged }
    }, Date.now())))
    const honest = await postJson(`${base}/users/password/reset`, { email: "xss@example.com" }, { "cb-token": appSession.token })
    expect(honest.status).toBe(200)

    // the request log: markup in the path and the query
    await raw(base, "/users/<b/data-xss>p</b>?<img/data-xss/src=x>=1&q=<i/data-xss>")

    // faults: markup in the path, the method and the body
    for (const fault of [
      { path: "/<b data-xss>f</b>", status: 503, body: markup(12), times: 3 },
      { method: "<b data-xss>", path: "/x", status: 500, body: { errors: [markup(13)] } }
    ]) {
      const added = await postJson(`${base}/__emulator/faults`, fault)
      expect(added.status, added.text).toBe(201)
    }

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] })
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    page = await context.newPage()
    // CDP evaluation is not bound by the page's CSP: this listener sees every violation the page meets
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))
    })
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`))
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`)
      void dialog.dismiss()
    })
    page.on("console", (message) => {
      if (message.type() === "error" && !/Failed to load resource/.test(message.text())) problems.push(message.text())
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await emu?.close()
  })

  /** Opens a route of the UI and waits until `text` shows (the stored markup was rendered, as text) or markup got parsed. */
  const view = async (hash: string, text: string) => {
    await page.goto(`${emu.url}/__emulator/ui/#/${hash}`)
    await page.waitForFunction(
      (t) => document.querySelector("main")?.textContent?.includes(t) === true || document.querySelector("[data-xss]") !== null,
      text
    )
  }

  /** What markup left in the page: parsed elements, script-bearing links, a set `__xss`. */
  const leftovers = () =>
    page.evaluate(() => ({
      elements: Array.from(document.querySelectorAll("[data-xss]"), (el) => el.outerHTML),
      links: Array.from(document.querySelectorAll<HTMLAnchorElement>("a[href]"), (a) => a.href)
        .filter((href) => !/^(https?:|blob:)/.test(href)),
      ran: (window as { __xss?: unknown }).__xss ?? null
    }))

  const clean = { elements: [], links: [], ran: null }

  it("markup stored through the APIs is text in every view: no element, no script link, no CSP violation", async () => {
    const views: ReadonlyArray<readonly [string, string]> = [
      ["users", "<b data-xss>l1</b>"],
      ["users?search=%3C", "\"><img data-xss src=x>"],
      ...userIds.map((id) => [`users/${id}`, "data-xss"] as const),
      [`users/${attacker.userId}`, "<script data-xss>"],
      ["sessions", "live session"],
      ["storage", "<b data-xss=\"7\">"],
      ["storage", "image/png; x=\"<b data-xss>\""],
      ["mails", "mail.example\"><b data-xss>h</b>"],
      ["requests", "/users/<b/data-xss>p</b>"],
      ["requests", "<i/data-xss>"],
      ["faults", "/<b data-xss>f</b>"],
      ["faults", "<b data-xss>"]
    ]
    for (const [hash, text] of views) {
      await view(hash, text)
      expect(await leftovers(), hash).toEqual(clean)
    }
    // the detail panel's pretty-printed custom_data and tags
    await view(`users/${attacker.userId}`, "\"><s data-xss>")
    expect(await page.locator("aside.detail dd pre").first().innerText()).toContain("<b data-xss=\\\"2\\\">")
    // a text preview of HTML bytes
    await view("storage", "<b data-xss=\"7\">")
    await page.getByRole("button", { name: /^Preview <b data-xss="7">/ }).click()
    await page.waitForFunction(() => document.querySelector(".preview-text")?.textContent?.includes("<b data-xss=\"8\">") === true)
    expect(await leftovers()).toEqual(clean)
    // a reset link becomes a link only as a well-formed http(s) URL: the stored forged one is text; the emulator's
    // own (both mails sent through the API, the forged Host's included) are links to it
    await view("mails", "mail.example")
    const links = await page.locator("a.reset-link").evaluateAll((as) =>
      as.map((a) => {
        const href = a.getAttribute("href") ?? ""
        return URL.canParse(href) ? new URL(href).origin : `unparsable: ${href}`
      })
    )
    expect(links).toEqual([emu.url, emu.url])
    expect(await page.locator("main code", { hasText: "mail.example\"><b data-xss>h</b>" }).count()).toBe(1)
    expect(problems).toEqual([])
  }, 120_000)

  /** Opens `url` in a fresh tab: what the browser made of it (a download, or a document and what ran in it). */
  const open = async (url: string) => {
    const tab = await page.context().newPage()
    try {
      const response = await tab.goto(url).catch((error: Error) => {
        if (/Download is starting/.test(error.message)) return "download" as const
        throw error
      })
      if (response === "download") return { kind: "download" as const }
      expect(response?.status(), url).toBe(200)
      return {
        kind: "document" as const,
        contentType: response!.headers()["content-type"],
        // the inline script below marks the root element; a sandboxed document never runs it
        ran: await tab.evaluate(() => document.documentElement?.getAttribute("data-ran") ?? null),
        // an opaque origin: even a script could not call the control API as the UI
        origin: await tab.evaluate(() => self.origin)
      }
    } finally {
      await tab.close()
    }
  }

  /** Bytes that run script in every document type Chromium renders, and then call the control API. */
  const STEAL = "document.documentElement.setAttribute('data-ran','1');" +
    "fetch('/__emulator/apps/1/auth-key').then(r=>r.json()).then(k=>fetch('/__emulator/faults'," +
    "{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({path:'/stolen-'+k.authKey,status:500})}))"
  const payloads: ReadonlyArray<readonly [name: string, type: string, body: string]> = [
    ["page.html", "text/html", `<!doctype html><script>${STEAL}</script>`],
    ["upper.html", "TEXT/HTML; charset=utf-8", `<!doctype html><script>${STEAL}</script>`],
    ["drawing.svg", "image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg"><script>${STEAL}</script></svg>`],
    ["page.xhtml", "application/xhtml+xml", `<html xmlns="http://www.w3.org/1999/xhtml"><body><script>${STEAL}</script></body></html>`],
    ["data.xml", "text/xml", `<x><script xmlns="http://www.w3.org/1999/xhtml">${STEAL}</script></x>`],
    // no known type: Chromium sniffs the bytes (HTML) unless told not to
    ["mystery", "application/unknown", `<!doctype html><html><script>${STEAL}</script></html>`],
    ["fake.png", "image/png; x=text/html", `<!doctype html><script>${STEAL}</script>`]
  ]

  it("uploaded HTML, SVG, XHTML, XML or sniffable bytes never run as a document of the emulator's origin", async () => {
    const uploader = await signIn(emu.url, "xss-uploader")
    const urls: Array<string> = []
    for (const [name, type, body] of payloads) {
      // public: any page can link to it; private: the `?token=` form the SDK's download URLs use
      const pub = await storeBlob(emu.url, uploader.token, { name, type, body, public: true })
      const priv = await storeBlob(emu.url, uploader.token, { name, type, body })
      urls.push(
        `${emu.url}/blobs/${pub.uid}`,
        `${emu.url}/blobs/${pub.uid}/download`,
        `${emu.url}/blobs/${priv.uid}?token=${uploader.token}`,
        `${emu.url}/__emulator/blobs/${pub.id}/content`,
        `${emu.url}/__emulator/blobs/${pub.id}/content?inline=1`
      )
    }
    for (const url of urls) {
      const seen = await open(url)
      if (seen.kind === "document") {
        expect(seen.ran, `${url} (${seen.contentType}) ran script`).toBeNull()
        expect(seen.origin, `${url} (${seen.contentType})`).toBe("null")
      }
    }
    // nothing reached the control API
    const faults = JSON.parse((await call(`${emu.url}/__emulator/faults`)).text).faults as ReadonlyArray<{ path?: string }>
    expect(faults.filter((f) => f.path?.startsWith("/stolen")).map((f) => f.path)).toEqual([])
  }, 120_000)

  it("a page of another origin cannot frame the UI (clickjacking)", async () => {
    const framer = Http.createServer((_req, res) => {
      res.setHeader("content-type", "text/html")
      res.end(`<!doctype html><iframe id="ui" src="${emu.url}/__emulator/ui/#/overview"></iframe>`)
    })
    await new Promise<void>((resolve) => framer.listen(0, "127.0.0.1", resolve))
    try {
      const tab = await page.context().newPage()
      const { port } = framer.address() as { port: number }
      // the frame's load event comes either way: the UI, or Chromium's error page when the UI refuses the frame
      await tab.goto(`http://127.0.0.1:${port}/`, { waitUntil: "load" })
      const child = tab.frames().find((frame) => frame !== tab.mainFrame())
      expect(child, "the iframe").toBeDefined()
      expect(child!.url()).not.toContain("/__emulator/ui/")
      await tab.close()
    } finally {
      await new Promise((resolve) => framer.close(resolve))
    }
  })
})
