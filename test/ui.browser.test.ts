/**
 * The emulator web UI (`/__emulator/ui/`) in headless Chromium (Debian's `chromium`, driven by playwright-core,
 * which downloads no browser): a real emulator in this process on 127.0.0.1, seeded through the SDK (sign-ins,
 * an avatar and a text upload, a password reset), its clock frozen so every time on the page is stable.
 *
 * Each view renders the seeded data; users search, paging, create, edit, delete; the clock moved in the UI moves
 * a session's countdown; a fault added in the UI answers the next SDK call; the reset mail shows its link; the
 * request log updates live. The page keeps to its Content-Security-Policy (no violation, no uncaught error).
 * Screenshots of every view go to test/.output/ui/; the first paint is measured by `pnpm bench ui` (test/bench/ui.bench.ts).
 *
 * Without /usr/bin/chromium the tests are skipped, except in CI (`CI=true`), where they must run.
 */
import { Errors } from "@connectycube-effect/core"
import { Emulator } from "@connectycube-effect/emulator"
import { Cube, Session } from "@connectycube-effect/http"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import { Avatar, Storage } from "@connectycube-effect/storage"
import { Users } from "@connectycube-effect/users"
import { Effect, Layer, ManagedRuntime } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Zlib from "node:zlib"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const CHROMIUM = "/usr/bin/chromium"
const available = Fs.existsSync(CHROMIUM)
const inCI = process.env.CI === "true" || process.env.CI === "1"
const OUTPUT = Path.join(Path.dirname(fileURLToPath(import.meta.url)), ".output", "ui")

if (!available && !inCI) {
  console.warn(`ui.browser.test.ts: skipped, ${CHROMIUM} is absent (apt-get install -y chromium); in CI it is required`)
}

const AUTH_KEY = "emulator-auth-key"
const HOUR = 3_600_000
const NOTES = "Hello from the emulator UI test.\nSecond line."

/** A 64×64 RGB PNG (a gradient): enough for the browser to decode and show. */
const png = (size: number): Buffer => {
  const stride = size * 3 + 1
  const raw = Buffer.alloc(stride * size)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) raw.set([x * 4, y * 4, 160], y * stride + 1 + x * 3)
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(Zlib.crc32(body), body.length + 4)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", Zlib.deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0))
  ])
}

const seedUsers = [
  {
    login: "marvin18",
    password: "supersecurepwd",
    email: "marvin@example.com",
    full_name: "Marvin Simon",
    phone: "47802323143",
    website: "https://dozensofdreams.com",
    tag_list: ["iphone", "apple"],
    custom_data: JSON.stringify({ middle_name: "Bartoleo", plan: { tier: "gold" } })
  },
  { login: "alice", password: "password1", email: "alice@example.com", full_name: "Alice Liddell", tag_list: ["android"] },
  ...Array.from({ length: 12 }, (_, i) => ({
    login: `crew${i + 1}`,
    password: "password1",
    email: `crew${i + 1}@example.com`,
    full_name: `Crew Member ${i + 1}`,
    tag_list: ["crew"]
  }))
]

/** One SDK client (its own session) for the emulator at `url`. */
const client = (url: string) =>
  ManagedRuntime.make(
    Layer.mergeAll(Storage.layer, Users.layer).pipe(
      Layer.provideMerge(Cube.layer({ appId: 1, authKey: AUTH_KEY, apiUrl: url })),
      Layer.provide(UndiciClient.layer)
    )
  )
type Client = ReturnType<typeof client>

let emu: Emulator.Handle
let browser: Browser
let context: BrowserContext
let page: Page
let marvin: Client
let guest: Client
let app: Client
let ui: string
/** The emulator's frozen start: the next full hour (ahead of real time, so the SDK never thinks a session lapsed). */
const start = Math.ceil(Date.now() / HOUR) * HOUR
const problems: Array<string> = []
/** Every state-changing call the page made: method, path, content type, body. */
const changes: Array<{ readonly method: string; readonly path: string; readonly type: string | undefined; readonly body: string | null }> = []
/** When the page asked for the request log (ms, this process's clock). */
const logPolls: Array<number> = []

const control = async <A>(path: string, init?: RequestInit): Promise<A> => {
  const response = await fetch(`${emu.url}/__emulator/${path}`, init)
  const text = await response.text()
  return (text === "" ? undefined : JSON.parse(text)) as A
}

const shot = (name: string, target: Page = page) => target.screenshot({ path: Path.join(OUTPUT, `${name}.png`) })

/** Opens a view with a click in the navigation (as a user would); resolves once its heading shows. */
const openView = async (name: string) => {
  await page.locator("nav.nav").getByRole("link", { name, exact: true }).click()
  await page.locator("main h1", { hasText: name }).waitFor()
}

/** Waits until `selector`'s text matches. */
const waitForText = (selector: string, pattern: RegExp) =>
  page.waitForFunction(
    ([sel, source, flags]) => new RegExp(source!, flags).test(document.querySelector(sel!)?.textContent ?? ""),
    [selector, pattern.source, pattern.flags] as const
  )

/** Every form control of the page that has no label (the issue asks for one on every control). */
const unlabelled = () =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>("input, select, textarea"))
      .filter((el) => (el.labels?.length ?? 0) === 0 && !el.hasAttribute("aria-label"))
      .map((el) => el.outerHTML)
  )

const run = available || inCI

describe.skipIf(!run)("the emulator web UI in headless Chromium", () => {
  beforeAll(async () => {
    expect(available, `${CHROMIUM} is required in CI (apt-get install -y chromium)`).toBe(true)
    Fs.mkdirSync(OUTPUT, { recursive: true })
    emu = await Emulator.startEmulator({ clockStart: start, seedData: { users: seedUsers } })
    ui = `${emu.url}/__emulator/ui/`
    await control("clock", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ freeze: true, now: start }) })

    // the SDK makes the data the views show: three kinds of session, two blobs, one mail
    marvin = client(emu.url)
    guest = client(emu.url)
    app = client(emu.url)
    await marvin.runPromise(Effect.gen(function*() {
      yield* (yield* Session.Session).create({ login: "marvin18", password: "supersecurepwd" })
      const users = yield* Users.Users
      yield* Avatar.setAvatar({ name: "me.png", file: png(64), type: "image/png" }, (changes) => users.update(changes))
      yield* (yield* Storage.Storage).createAndUpload({ name: "notes.txt", file: new TextEncoder().encode(NOTES), type: "text/plain" })
      yield* users.resetPassword("marvin@example.com")
    }))
    await guest.runPromise(Effect.flatMap(Session.Session, (s) => s.create({ guest: "1", full_name: "Guest Visitor" })))
    await app.runPromise(Effect.flatMap(Session.Session, (s) => s.create()))

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] })
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light", acceptDownloads: true })
    page = await context.newPage()
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`))
    page.on("request", (request) => {
      const url = new URL(request.url())
      if (url.pathname === "/__emulator/requests" && request.method() === "GET") logPolls.push(performance.now())
      if (request.method() !== "GET") {
        changes.push({ method: request.method(), path: url.pathname, type: request.headers()["content-type"], body: request.postData() })
      }
    })
    page.on("console", (message) => {
      // a refused inline style or script, a blocked image: the page broke its own Content-Security-Policy
      if (message.type() === "error" && !/Failed to load resource/.test(message.text())) problems.push(message.text())
    })
    await page.goto(`${ui}#/overview`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all([marvin?.dispose(), guest?.dispose(), app?.dispose()])
    await emu?.close()
  })

  it("Overview: apps with the auth key masked until revealed, the frozen clock, the counts", async () => {
    await page.locator('[data-count="users"]').waitFor()
    // 14 seeded users and the guest; marvin's, the guest's and the app session; the avatar and the notes; the reset mail
    const counts = await page.locator(".counts a").allInnerTexts()
    expect(counts.map((t) => t.replace(/\s+/g, " "))).toEqual(["15 users", "3 live sessions", "2 blobs", "1 mail"])
    const key = page.locator(".secret").first()
    expect(await key.innerText()).toMatch(/^emul•+$/)
    expect(await page.content()).not.toContain(AUTH_KEY)
    const clock = await page.locator(".now [data-clock]").innerText()
    expect(clock).toBe(`${new Date(start).toISOString().slice(0, 19).replace("T", " ")} UTC`)
    expect(await page.locator(".now .badge").innerText()).toBe("frozen")
    expect(await page.locator(".top-clock [data-clock]").innerText()).toBe(`${clock} (frozen)`)
    expect(await page.getByRole("button", { name: "Unfreeze" }).count()).toBe(1)
    await shot("overview")

    await page.getByRole("button", { name: "Reveal the auth key of app 1" }).click()
    await waitForText(".secret", new RegExp(`^${AUTH_KEY}$`))
    await page.getByRole("button", { name: "Reveal the auth key of app 1" }).click()
    await waitForText(".secret", /^emul•+$/)
    expect(await unlabelled()).toEqual([])
  })

  it("Users: search (login, email, full name, tags) and paging over the REST query code", async () => {
    await openView("Users")
    await waitForText(".page-info", /^1–10 of 15 users$/)
    expect(await page.locator("tbody tr[data-user-id]").count()).toBe(10)
    await shot("users")

    const search = page.getByLabel("Search login, email, full name or tags")
    await search.fill("crew")
    await waitForText(".page-info", /^1–10 of 12 users$/)
    await page.getByRole("button", { name: "Next page" }).click()
    await waitForText(".page-info", /^11–12 of 12 users$/)
    expect(await page.locator("tbody tr[data-user-id] td:nth-child(2)").allInnerTexts()).toEqual(["crew11", "crew12"])
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true)
    // the state is in the address: a reload shows the same page
    expect(new URL(page.url()).hash).toBe("#/users?search=crew&offset=10")
    await page.getByRole("button", { name: "Previous page" }).click()
    await waitForText(".page-info", /^1–10 of 12 users$/)

    await page.getByLabel("Per page").selectOption("25")
    await waitForText(".page-info", /^1–12 of 12 users$/)
    await page.getByLabel("Per page").selectOption("10")

    for (const [text, login] of [["BARTOLEO", undefined], ["marvin SIM", "marvin18"], ["alice@example", "alice"], ["iphone", "marvin18"]] as const) {
      await search.fill(text)
      if (login === undefined) {
        // custom_data is not searched
        await waitForText(".page-info", /^No user matches/)
      } else {
        await page.waitForFunction((want) => {
          const logins = Array.from(document.querySelectorAll("tbody tr[data-user-id] td:nth-child(2)")).map((td) => td.textContent)
          return logins.length === 1 && logins[0] === want
        }, login)
        expect(await page.locator(".page-info").innerText()).toBe("1–1 of 1 user")
      }
    }
    await search.fill("")
    await waitForText(".page-info", /^1–10 of 15 users$/)
  })

  it("Users: the detail panel shows every field, custom_data pretty-printed, live sessions counting down, blobs, the avatar", async () => {
    await page.getByRole("link", { name: "marvin18" }).click()
    const detail = page.locator("aside.detail")
    await detail.locator("h2", { hasText: "Marvin Simon" }).waitFor()
    // the keyboard follows: the panel's heading has the focus
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Marvin Simon")
    const fields = await detail.locator("dl.fields dt").allInnerTexts()
    expect(fields).toEqual(expect.arrayContaining(["id", "login", "email", "full_name", "phone", "website", "custom_data", "user_tags", "avatar", "blob_id"]))
    expect(await detail.locator("dd pre").first().innerText()).toBe(
      JSON.stringify({ middle_name: "Bartoleo", plan: { tier: "gold" } }, null, 2)
    )
    expect(await detail.locator(".countdown").allInnerTexts()).toEqual(["2 h 00 min 00 s"])
    expect(await detail.locator("td code").innerText()).toMatch(/^\w{1,4}•+$/)
    expect(await detail.locator("ul.plain li a").allInnerTexts()).toEqual(expect.arrayContaining(["me.png", "notes.txt"]))
    const avatar = detail.locator("img.avatar")
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>("img.avatar")?.naturalWidth ?? 0) > 0)
    expect(await avatar.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64)
    await shot("users-detail")

    // Escape closes the panel and the keyboard returns to the row
    await page.keyboard.press("Escape")
    await detail.waitFor({ state: "hidden" })
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("marvin18")
  })

  it("Sessions: app, user and guest sessions with their expiry; destroy one", async () => {
    await openView("Sessions")
    await waitForText("main p.muted", /^3 live sessions$/)
    const kinds = await page.locator("tbody tr[data-session-id] td:nth-child(2)").allInnerTexts()
    expect([...kinds].sort()).toEqual(["app", "guest", "user"])
    const byKind = (kind: string) => page.locator(`tbody tr[data-session-id]:has(.kind-${kind})`)
    expect(await byKind("user").locator(".countdown").innerText()).toBe("2 h 00 min 00 s")
    expect(await byKind("app").locator(".countdown").innerText()).toBe("2 h 00 min 00 s")
    // a guest session lives a day
    expect(await byKind("guest").locator(".countdown").innerText()).toBe("1 d 0 h 00 min")
    for (const token of await page.locator("tbody td code").allInnerTexts()) expect(token).toMatch(/^\w{1,4}•+$/)
    await shot("sessions")

    const guestRow = byKind("guest")
    const id = await guestRow.getAttribute("data-session-id")
    await guestRow.getByRole("button", { name: `Destroy session ${id}` }).click()
    await waitForText("main p.muted", /^2 live sessions$/)
    const left = await control<{ sessions: ReadonlyArray<{ kind: string }> }>("sessions")
    expect(left.sessions.map((s) => s.kind).sort()).toEqual(["app", "user"])
  })

  it("the clock: +1 h in the Overview moves a session's countdown by an hour", async () => {
    await openView("Overview")
    await page.getByRole("button", { name: "Advance the clock by 1 h" }).click()
    await waitForText("#status", /^Clock advanced 1 h/)
    await waitForText(".top-clock [data-clock]", new RegExp(new Date(start + HOUR).toISOString().slice(11, 19)))
    expect((await control<{ nowMs: number }>("clock")).nowMs).toBe(start + HOUR)

    await openView("Sessions")
    const user = page.locator("tbody tr[data-session-id]", { has: page.locator('a[href="#/users/1"]') })
    await user.locator(".countdown").waitFor()
    expect(await user.locator(".countdown").innerText()).toBe("1 h 00 min 00 s")
    await page.locator("nav.nav").getByRole("link", { name: "Users", exact: true }).click()
    await page.getByRole("link", { name: "marvin18" }).click()
    await waitForText("aside.detail .countdown", /^1 h 00 min 00 s$/)
  })

  it("Storage: blobs with name, size, type, access and state; image and text previews; download", async () => {
    await openView("Storage")
    await page.locator("tbody tr[data-blob-id]").first().waitFor()
    const rows = await page.locator("tbody tr[data-blob-id]").evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("td")).slice(1, 7).map((td) => td.textContent))
    )
    // newest first
    expect(rows).toEqual([
      ["notes.txt", `${NOTES.length} B`, "text/plain", "private", "completed", "1"],
      ["me.png", `${(png(64).length / 1024).toFixed(1)} KB`, "image/png", "private", "completed", "1"]
    ])

    await page.getByRole("button", { name: "Preview notes.txt" }).click()
    await waitForText(".preview-text", /^Hello from the emulator UI test\.\nSecond line\.$/)
    await page.getByRole("button", { name: "Preview me.png" }).click()
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>(".preview-image")?.naturalWidth ?? 0) === 64)
    await shot("storage")

    const download = page.getByRole("link", { name: "Download notes.txt" })
    expect(await download.getAttribute("download")).toBe("notes.txt")
    const [file] = await Promise.all([page.waitForEvent("download"), download.click()])
    expect(file.suggestedFilename()).toBe("notes.txt")
    expect(Fs.readFileSync(await file.path(), "utf8")).toBe(NOTES)
  })

  it("Mails: the reset mail after users.resetPassword, with its link", async () => {
    await openView("Mails")
    const mail = page.locator("article.mail")
    await mail.waitFor()
    expect(await mail.locator("h2").innerText()).toBe("Reset password instructions")
    expect(await mail.locator(".meta").innerText()).toContain("marvin@example.com")
    const link = await mail.locator("a.reset-link").getAttribute("href")
    const sent = await control<{ emails: ReadonlyArray<{ data: { link: string } }> }>("emails")
    expect(link).toBe(sent.emails[0]!.data.link)
    expect(link).toMatch(/\/users\/password\/edit\?reset_password_token=[0-9a-f]{32}$/)
    await shot("mails")
  })

  it("Faults: one added in the UI answers the next SDK call, then it is used up", async () => {
    await openView("Faults")
    await page.getByLabel("Method").selectOption("POST")
    await page.getByLabel("Path", { exact: true }).fill("/users")
    await page.getByLabel("Status").fill("503")
    await page.getByLabel("Body").fill("{\"errors\":[\"down for maintenance\"]}")
    await page.getByLabel("Retry-After (seconds)").fill("7")
    await page.getByRole("button", { name: "Add fault" }).click()
    const row = page.locator("tbody tr[data-fault-id]")
    await row.waitFor()
    expect(await row.locator("td").allInnerTexts()).toEqual([
      expect.any(String),
      "POST",
      "/users",
      "1 of 1",
      "answer 503, Retry-After 7 s, body {\"errors\":[\"down for maintenance\"]}",
      "Remove"
    ])
    expect(await unlabelled()).toEqual([])
    await shot("faults")

    const error = await app.runPromise(Effect.flip(Effect.flatMap(Users.Users, (u) =>
      u.signup({ login: "faulty1", password: "password1" }))))
    expect(error).toBeInstanceOf(Errors.ServerError)
    expect(error).toMatchObject({ status: 503, body: { errors: ["down for maintenance"] } })

    await openView("Overview")
    await openView("Faults")
    await page.getByText("No pending fault").waitFor()

    // and one removed in the UI answers nothing
    await page.getByLabel("Method").selectOption("GET")
    await page.getByLabel("Status").fill("500")
    await page.getByRole("button", { name: "Add fault" }).click()
    await row.waitFor()
    const id = await row.getAttribute("data-fault-id")
    await page.getByRole("button", { name: `Remove fault ${id}` }).click()
    await page.getByText("No pending fault").waitFor()
    expect(await control<{ faults: ReadonlyArray<unknown> }>("faults")).toEqual({ faults: [] })
  })

  it("Requests: newest first, the fault that answered, filters, refreshed live", async () => {
    await openView("Requests")
    const rows = page.locator("table.requests tbody tr[data-seq]")
    await rows.first().waitFor()
    const top = await rows.first().locator("td").allInnerTexts()
    // the path as sent (the SDK adds `.json`)
    expect(top.slice(2, 5).concat(top[6]!)).toEqual(["POST", "/users.json", "503", "status"])

    // a call made while the page is open shows up without a reload (polled at most once a second)
    const pollsBefore = logPolls.length
    const before = Number(await rows.first().getAttribute("data-seq"))
    await marvin.runPromise(Effect.flatMap(Users.Users, (u) => u.get(2)))
    await page.waitForFunction((seq) => Number(document.querySelector("table.requests tbody tr[data-seq]")?.getAttribute("data-seq")) > seq, before)
    expect((await rows.first().locator("td").allInnerTexts()).slice(2, 5)).toEqual(["GET", "/users/2.json", "200"])
    const polls = logPolls.slice(pollsBefore - 1)
    expect(polls.length).toBeGreaterThanOrEqual(2)
    // the next poll is planned a second after the last answer: never closer
    for (let i = 1; i < polls.length; i++) expect(polls[i]! - polls[i - 1]!).toBeGreaterThanOrEqual(990)

    await page.getByLabel("Method").selectOption("POST")
    await page.getByLabel("Status").fill("5xx")
    await page.waitForFunction(() => document.querySelectorAll("table.requests tbody tr[data-seq]").length === 1)
    await page.getByLabel("Status").fill("2xx")
    await page.getByLabel("Path contains").fill("/blobs")
    await page.waitForFunction(() => {
      const paths = Array.from(document.querySelectorAll("table.requests tbody tr[data-seq] td.path")).map((td) => td.textContent)
      return paths.length > 0 && paths.every((p) => p?.startsWith("/blobs"))
    })
    const statuses = await rows.locator("td:nth-child(5)").allInnerTexts()
    expect(statuses.every((s) => /^2\d\d$/.test(s))).toBe(true)
    await page.getByLabel("Path contains").fill("")
    await page.getByLabel("Status").fill("")
    await page.getByLabel("Method").selectOption("")
    await shot("requests")
    // the view's state is in the address
    expect(new URL(page.url()).hash).toBe("#/requests")
  })

  it("Users: create, edit and delete", async () => {
    await openView("Users")
    await page.getByRole("link", { name: "New user" }).click()
    const detail = page.locator("aside.detail")
    await detail.locator("h2", { hasText: "New user" }).waitFor()
    await detail.getByLabel("Login").fill("created1")
    await detail.getByLabel("Email").fill("created1@example.com")
    await detail.getByLabel("Tags (comma separated)").fill("new, ui")
    await detail.getByLabel("Custom data").fill("{\"from\":\"ui\"}")
    // the server's validation answers in the form
    await detail.getByRole("button", { name: "Create" }).click()
    await waitForText("aside.detail p.error", /password/)
    await detail.getByLabel("Password").fill("password1")
    await detail.getByRole("button", { name: "Create" }).click()
    await waitForText("#status", /^User \d+ created$/)
    await detail.locator("h2", { hasText: "created1" }).waitFor()
    const id = Number(/#\/users\/(\d+)/.exec(page.url())![1])
    const created = await control<{ user: Record<string, unknown> }>(`users/${id}`)
    expect(created.user).toMatchObject({ login: "created1", email: "created1@example.com", user_tags: "new,ui", custom_data: "{\"from\":\"ui\"}" })

    await detail.getByRole("button", { name: "Edit" }).click()
    await detail.getByLabel("Full name").fill("Created In The UI")
    await detail.getByRole("button", { name: "Save" }).click()
    await detail.locator("h2", { hasText: "Created In The UI" }).waitFor()
    expect((await control<{ user: Record<string, unknown> }>(`users/${id}`)).user.full_name).toBe("Created In The UI")

    // delete asks once more
    await page.getByRole("link", { name: "alice", exact: true }).click()
    await detail.locator("h2", { hasText: "Alice Liddell" }).waitFor()
    await detail.getByRole("button", { name: "Delete user 2" }).click()
    await waitForText("aside.detail button.armed", /^Really delete\?$/)
    await detail.getByRole("button", { name: "Delete user 2" }).click()
    await waitForText("#status", /^User 2 deleted$/)
    await detail.waitFor({ state: "hidden" })
    await waitForText(".page-info", /^1–10 of 15 users$/)
    expect(await page.getByRole("link", { name: "alice", exact: true }).count()).toBe(0)
    expect((await fetch(`${emu.url}/__emulator/users/2`)).status).toBe(404)
  })

  it("the keyboard: skip link, the navigation, `/` to search, a visible focus, a label on every control", async () => {
    // a new document: the keyboard starts at the top
    await page.goto("about:blank")
    await page.goto(`${ui}#/overview`)
    await page.locator('[data-count="users"]').waitFor()
    await page.keyboard.press("Tab")
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content")
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe("none")
    // brand, Overview, Users
    for (let i = 0; i < 3; i++) await page.keyboard.press("Tab")
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Users")
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!)
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) }
    })
    expect(outline.style).toBe("solid")
    expect(outline.width).toBeGreaterThanOrEqual(2)
    await page.keyboard.press("Enter")
    await page.locator("main h1", { hasText: "Users" }).waitFor()
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("H1")
    await page.keyboard.press("/")
    expect(await page.evaluate(() => document.activeElement?.getAttribute("type"))).toBe("search")

    for (const view of ["Overview", "Users", "Sessions", "Storage", "Mails", "Requests", "Faults"]) {
      await openView(view)
      await page.waitForFunction(() => document.querySelector("main [aria-busy]") === null && document.querySelector("main")!.textContent !== "")
      expect(await unlabelled(), view).toEqual([])
      expect(await page.locator("nav.nav a[aria-current=page]").innerText()).toBe(view)
    }
    await page.goto(`${ui}#/users/new`)
    await page.locator("aside.detail h2", { hasText: "New user" }).waitFor()
    expect(await unlabelled()).toEqual([])
  })

  it("390×844: readable on a phone (no sideways scrolling of the page)", async () => {
    const phone = await context.browser()!.newPage({ viewport: { width: 390, height: 844 }, colorScheme: "light" })
    try {
      await phone.goto(`${ui}#/overview`)
      await phone.locator('[data-count="users"]').waitFor()
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      await shot("overview-390", phone)
      await phone.goto(`${ui}#/users/1`)
      await phone.locator("aside.detail h2", { hasText: "Marvin Simon" }).waitFor()
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      await shot("users-390", phone)
    } finally {
      await phone.close()
    }
  })

  it("kept to its Content-Security-Policy: no violation, no uncaught error", () => {
    expect(problems).toEqual([])
  })

  it("every call that changes state went as JSON (the control API refuses anything else)", () => {
    const methods = new Set(changes.map((c) => c.method))
    expect([...methods].sort()).toEqual(["DELETE", "POST", "PUT"])
    for (const change of changes) {
      expect(change.path, `${change.method} ${change.path}`).toMatch(/^\/__emulator\//)
      expect(change.type, `${change.method} ${change.path}`).toBe("application/json")
      expect(() => JSON.parse(change.body ?? ""), `${change.method} ${change.path}`).not.toThrow()
    }
  })
})
