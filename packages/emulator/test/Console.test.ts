import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { contentDisposition, mask } from "../src/routes/Console.js"
import { appSession, call, emulator, type Reply } from "./helpers.js"

// The control endpoints behind the web UI (routes/Console.ts) and the UI's assets (routes/Ui.ts).

type Call = (method: string, path: string, options?: { body?: unknown; token?: string; headers?: Record<string, string> }) => Effect.Effect<Reply>

/** A state-changing control call: always JSON, as the UI sends it. */
const send = (c: Call, method: string, path: string, body: unknown = {}) => c(method, path, { body })

const signIn = (c: Call, login: string, password = "password1") =>
  Effect.map(c("POST", "/session", { body: appSession({ user: { login, password } }) }), (r) => r.body?.session as
    | { token: string; user_id: number }
    | undefined)

/** Create, upload, complete: a finished blob of the user's. */
const uploadBlob = (url: string, c: Call, token: string, name: string, contentType: string, bytes: string) =>
  Effect.gen(function*() {
    const created = yield* c("POST", "/blobs", { token, body: { blob: { name, content_type: contentType } } })
    assert.strictEqual(created.status, 201, created.text)
    const params = new URL(created.body.blob.blob_object_access.params as string)
    const form = new FormData()
    for (const [k, v] of params.searchParams) form.append(k, v)
    form.append("file", new Blob([bytes], { type: contentType }), name)
    const uploaded = yield* Effect.promise(() => fetch(`${params.origin}${params.pathname}`, { method: "POST", body: form }))
    assert.strictEqual(uploaded.status, 201)
    yield* c("PUT", `/blobs/${created.body.blob.id}/complete`, { token, body: { size: Buffer.byteLength(bytes) } })
    return created.body.blob.id as number
  }).pipe(Effect.tap(() => Effect.succeed(url)))

describe("console: overview and apps", () => {
  it.effect("apps with masked auth keys, the clock, counts; the key only on the reveal call", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const user = yield* signIn(call, "counted")
      assert.isDefined(user)
      yield* call("POST", "/session", { body: appSession() })
      const overview = yield* call("GET", "/__emulator/overview")
      assert.strictEqual(overview.status, 200)
      assert.deepStrictEqual(overview.body.apps, [{ id: 1, authKey: "emul••••" }])
      assert.notInclude(overview.text, "emulator-auth-key")
      assert.deepStrictEqual(overview.body.counts, { users: 1, sessions: 2, blobs: 0, emails: 0 })
      assert.strictEqual(overview.body.clock.nowMs, Date.parse(overview.body.clock.now))
      const revealed = yield* call("GET", "/__emulator/apps/1/auth-key")
      assert.deepStrictEqual([revealed.status, revealed.body], [200, { id: 1, authKey: "emulator-auth-key" }])
      assert.strictEqual((yield* call("GET", "/__emulator/apps/2/auth-key")).status, 404)
    }))

  it.effect("expired sessions leave the live count when the emulator clock moves", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      yield* signIn(call, "soon-gone")
      assert.strictEqual((yield* call("GET", "/__emulator/overview")).body.counts.sessions, 1)
      yield* send(call, "POST", "/__emulator/clock", { advanceMs: 2 * 3600_000 + 1 })
      assert.strictEqual((yield* call("GET", "/__emulator/overview")).body.counts.sessions, 0)
    }))

  it("mask shows at most 4 characters, and at most a third of the secret", () => {
    assert.strictEqual(mask("0123456789ABCDEF"), "0123••••")
    assert.strictEqual(mask("abcdef"), "ab••••")
    assert.strictEqual(mask("ab"), "••••")
  })
})

describe("console: users", () => {
  const seed = (c: Call) =>
    Effect.gen(function*() {
      const made = [
        { login: "alice", email: "alice@example.com", full_name: "Alice Liddell", tag_list: "red,admin" },
        { login: "bob", email: "bob@example.com", full_name: "Bob Stone", tag_list: "blue" },
        { login: "carol", email: "carol@stone.example", full_name: "Carol Jones", tag_list: "green" },
        { login: "dave_x", email: "dave@example.com", full_name: "100% Dave" }
      ]
      const ids: Array<number> = []
      for (const user of made) {
        const r = yield* send(c, "POST", "/__emulator/users", { user: { ...user, password: "password1" } })
        assert.strictEqual(r.status, 201, r.text)
        ids.push(r.body.user.id)
      }
      return ids
    })

  it.effect("the list is the REST V2 search's answer for the same query, without a session", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const ids = yield* seed(call)
      const token = (yield* call("POST", "/session", { body: appSession() })).body.session.token as string
      for (const query of ["login[in]=alice,bob", "user_tags=blue", "full_name[start_with]=Caro", `id[in]=${ids.join(",")}&sort_desc=login&limit=2&offset=1`]) {
        const rest = yield* call("GET", `/users/v2?${query}`, { token })
        const console = yield* call("GET", `/__emulator/users?${query}`)
        assert.strictEqual(console.status, 200, query)
        assert.deepStrictEqual(console.body.items, rest.body.items, query)
        assert.deepStrictEqual([console.body.total_entries, console.body.limit, console.body.skip], [
          rest.body.total_entries,
          rest.body.limit,
          rest.body.skip
        ])
      }
      // no filter: everyone, by id
      const all = yield* call("GET", "/__emulator/users")
      assert.deepStrictEqual(all.body.items.map((u: { id: number }) => u.id), ids)
      assert.deepStrictEqual([all.body.current_page, all.body.per_page, all.body.total_entries], [1, 100, 4])
      assert.notInclude(all.text, "password")
      // an invalid V2 query is refused as the REST API refuses it
      const bad = yield* call("GET", "/__emulator/users?login[start_with]=ab")
      const restBad = yield* call("GET", "/users/v2?login[start_with]=ab", { token })
      assert.deepStrictEqual([bad.status, bad.body], [restBad.status, restBad.body])
    }))

  it.effect("search: contains, case-insensitive, over login, email, full name and tags; paging by page/per_page", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const [alice, bob, carol, dave] = yield* seed(call)
      const found = (query: string) =>
        Effect.map(call("GET", `/__emulator/users?${query}`), (r) => {
          assert.strictEqual(r.status, 200, r.text)
          return r.body.items.map((u: { id: number }) => u.id) as Array<number>
        })
      assert.deepStrictEqual(yield* found("search=STONE"), [bob, carol]) // full name, email
      assert.deepStrictEqual(yield* found("search=lic"), [alice]) // login
      assert.deepStrictEqual(yield* found("search=ADM"), [alice]) // tag
      assert.deepStrictEqual(yield* found("search=%25"), [dave]) // `%` is a character, not a wildcard
      assert.deepStrictEqual(yield* found("search=a_e"), []) // and so is `_` (a wildcard would find "dave")
      assert.deepStrictEqual(yield* found("search=nobody"), [])
      assert.deepStrictEqual(yield* found("search=stone&login=bob"), [bob]) // with a V2 filter
      const page2 = yield* call("GET", "/__emulator/users?search=example&per_page=2&page=2")
      assert.deepStrictEqual([page2.body.current_page, page2.body.per_page, page2.body.total_entries], [2, 2, 4])
      assert.deepStrictEqual(page2.body.items.map((u: { id: number }) => u.id), [carol, dave])
    }))

  it.effect("create, read, update and delete with the REST validation", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const created = yield* send(call, "POST", "/__emulator/users", {
        user: { login: "erin", password: "password1", full_name: "Erin", custom_data: "{\"a\":1}", tag_list: ["x", "y"] }
      })
      assert.strictEqual(created.status, 201)
      const id = created.body.user.id as number
      assert.deepStrictEqual([created.body.user.login, created.body.user.user_tags, created.body.user.custom_data], [
        "erin",
        "x,y",
        "{\"a\":1}"
      ])
      // the sign-up rules: login or email, a password; a taken login
      const noPassword = yield* send(call, "POST", "/__emulator/users", { user: { login: "frank" } })
      assert.deepStrictEqual([noPassword.status, Object.keys(noPassword.body.errors)], [422, ["password"]])
      const noLogin = yield* send(call, "POST", "/__emulator/users", { user: { full_name: "x", password: "password1" } })
      assert.deepStrictEqual([noLogin.status, Object.keys(noLogin.body.errors)], [422, ["login"]])
      const taken = yield* send(call, "POST", "/__emulator/users", { user: { login: "ERIN", password: "password1" } })
      assert.deepStrictEqual([taken.status, taken.body], [422, { errors: { login: ["has already been taken"] } }])

      // update: fields, and a new password without the old one
      const updated = yield* send(call, "PUT", `/__emulator/users/${id}`, { user: { full_name: "Erin B", password: "newpassword" } })
      assert.deepStrictEqual([updated.status, updated.body.user.full_name], [200, "Erin B"])
      assert.isUndefined(yield* signIn(call, "erin", "password1"))
      const session = yield* signIn(call, "erin", "newpassword")
      assert.strictEqual(session?.user_id, id)
      const badUpdate = yield* send(call, "PUT", `/__emulator/users/${id}`, { user: { email: "not-an-email", login: null } })
      assert.strictEqual(badUpdate.status, 422)

      // detail: the user, the live session (masked), no blobs
      const detail = yield* call("GET", `/__emulator/users/${id}`)
      assert.strictEqual(detail.status, 200)
      assert.strictEqual(detail.body.user.full_name, "Erin B")
      assert.deepStrictEqual(detail.body.sessions.map((s: { user_id: number; kind: string; token: string }) => [s.user_id, s.kind, s.token]), [
        [id, "user", `${session!.token.slice(0, 4)}••••`]
      ])
      assert.notInclude(detail.text, session!.token)
      assert.deepStrictEqual(detail.body.blobs, [])

      // delete: the user and its sessions
      const removed = yield* send(call, "DELETE", `/__emulator/users/${id}`)
      assert.deepStrictEqual([removed.status, removed.body], [200, { ok: true }])
      assert.strictEqual((yield* call("GET", `/__emulator/users/${id}`)).status, 404)
      assert.strictEqual((yield* send(call, "DELETE", `/__emulator/users/${id}`)).status, 404)
      assert.strictEqual((yield* send(call, "PUT", `/__emulator/users/${id}`, { user: { full_name: "x" } })).status, 404)
      assert.strictEqual((yield* call("GET", "/session", { token: session!.token })).status, 401)
    }))
})

describe("console: sessions", () => {
  it.effect("newest first, live only unless all=true; the expiry follows the emulator clock; destroy one", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      yield* send(call, "POST", "/__emulator/clock", { freeze: true })
      const app = (yield* call("POST", "/session", { body: appSession() })).body.session as { token: string; id: number }
      yield* send(call, "POST", "/__emulator/clock", { advanceMs: 1000 })
      const user = (yield* signIn(call, "sessioned"))!
      const list = yield* call("GET", "/__emulator/sessions")
      assert.strictEqual(list.status, 200)
      const [newest, oldest] = list.body.sessions
      assert.deepStrictEqual([newest.kind, newest.user_id, newest.session_id, newest.expiresInMs], ["user", user.user_id, user.user_id, 7_200_000])
      assert.deepStrictEqual([oldest.kind, oldest.user_id, oldest.session_id, oldest.expiresInMs], ["app", null, app.id, 7_199_000])
      assert.strictEqual(list.body.total, 2)
      assert.notInclude(list.text, app.token)
      assert.notInclude(list.text, user.token)

      yield* send(call, "POST", "/__emulator/clock", { advanceMs: 3600_000 })
      assert.strictEqual((yield* call("GET", "/__emulator/sessions")).body.sessions[0].expiresInMs, 3_600_000)
      yield* send(call, "POST", "/__emulator/clock", { advanceMs: 3600_000 - 500 })
      const later = yield* call("GET", "/__emulator/sessions")
      assert.deepStrictEqual(later.body.sessions.map((s: { kind: string }) => s.kind), ["user"])
      assert.strictEqual((yield* call("GET", "/__emulator/sessions?all=true")).body.sessions.length, 2)
      assert.strictEqual((yield* call("GET", `/__emulator/sessions?user_id=${user.user_id}&all=1`)).body.total, 1)

      const removed = yield* send(call, "DELETE", `/__emulator/sessions/${newest.id}`)
      assert.deepStrictEqual([removed.status, removed.body], [200, { ok: true }])
      assert.strictEqual((yield* call("GET", "/session", { token: user.token })).status, 401)
      assert.strictEqual((yield* send(call, "DELETE", `/__emulator/sessions/${newest.id}`)).status, 404)
    }))

  it.effect("a guest session is shown as a guest's", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const guest = yield* call("POST", "/session", { body: appSession({ user: { guest: "1", full_name: "Visitor" } }) })
      assert.strictEqual(guest.status, 201)
      const list = yield* call("GET", "/__emulator/sessions")
      assert.strictEqual(list.body.sessions[0].kind, "guest")
    }))
})

describe("console: blobs", () => {
  it.effect("newest first with their state; bytes as an attachment, inline only for safe types, always sandboxed", () =>
    Effect.gen(function*() {
      const { call, url } = yield* emulator()
      const user = (yield* signIn(call, "uploader"))!
      const text = yield* uploadBlob(url, call, user.token, "notes.txt", "text/plain", "hello")
      const svg = yield* uploadBlob(url, call, user.token, "évil <1>.svg", "image/svg+xml", "<svg onload=alert(1)></svg>")
      const html = yield* uploadBlob(url, call, user.token, "page.html", "text/html", "<script>alert(1)</script>")
      const pending = (yield* call("POST", "/blobs", { token: user.token, body: { blob: { name: "later.bin", content_type: "application/octet-stream" } } }))
        .body.blob.id as number

      const list = yield* call("GET", "/__emulator/blobs")
      assert.strictEqual(list.status, 200)
      assert.deepStrictEqual(list.body.blobs.map((b: { id: number }) => b.id), [pending, html, svg, text])
      assert.deepStrictEqual(
        list.body.blobs.map((b: { completed: boolean; public: boolean; user_id: number }) => [b.completed, b.public, b.user_id]),
        [[false, false, user.user_id], [true, false, user.user_id], [true, false, user.user_id], [true, false, user.user_id]]
      )
      assert.strictEqual(list.body.blobs[3].size, 5)
      assert.strictEqual((yield* call("GET", `/__emulator/blobs?user_id=${user.user_id}&limit=1&offset=3`)).body.blobs[0].id, text)
      assert.strictEqual((yield* call("GET", `/__emulator/users/${user.user_id}`)).body.blobs.length, 4)

      const get = (id: number, query = "") => call("GET", `/__emulator/blobs/${id}/content${query}`)
      const download = yield* get(text)
      assert.deepStrictEqual([download.status, download.text], [200, "hello"])
      assert.match(download.headers.get("content-disposition")!, /^attachment; filename="notes.txt"/)
      for (const [id, query, disposition, type] of [
        [text, "?inline=1", "inline", "text/plain; charset=utf-8"],
        [html, "?inline=1", "inline", "text/plain; charset=utf-8"],
        [svg, "?inline=1", "attachment", "application/octet-stream"],
        [svg, "", "attachment", "application/octet-stream"],
        [html, "", "attachment", "application/octet-stream"]
      ] as const) {
        const r = yield* get(id, query)
        assert.strictEqual(r.status, 200)
        assert.strictEqual(r.headers.get("content-disposition")!.split(";")[0], disposition, `${id}${query}`)
        assert.strictEqual(r.headers.get("content-type"), type)
        assert.strictEqual(r.headers.get("x-content-type-options"), "nosniff")
        assert.strictEqual(r.headers.get("content-security-policy"), "sandbox; default-src 'none'")
      }
      // a name that is not ASCII reaches the header safely
      assert.include((yield* get(svg)).headers.get("content-disposition")!, "filename*=UTF-8''%C3%A9vil%20%3C1%3E.svg")
      assert.strictEqual((yield* get(pending)).status, 404)
      assert.strictEqual((yield* get(999_999)).status, 404)
    }))

  it("contentDisposition: images but SVG and any text inline on request; everything else downloads as bytes", () => {
    assert.deepStrictEqual(contentDisposition("image/PNG", true), { inline: true, contentType: "image/png" })
    assert.deepStrictEqual(contentDisposition("image/png", false), { inline: false, contentType: "application/octet-stream" })
    assert.deepStrictEqual(contentDisposition("image/svg+xml", true), { inline: false, contentType: "application/octet-stream" })
    assert.deepStrictEqual(contentDisposition("text/html; charset=utf-8", true), { inline: true, contentType: "text/plain; charset=utf-8" })
    assert.deepStrictEqual(contentDisposition("text/html\r\nx: y", false), { inline: false, contentType: "application/octet-stream" })
  })
})

describe("console: faults and the request log", () => {
  it.effect("one fault removed by id; the log polled with after=", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const first = (yield* send(call, "POST", "/__emulator/faults", { path: "/session", status: 500 })).body.fault.id
      const second = (yield* send(call, "POST", "/__emulator/faults", { path: "/users", status: 503 })).body.fault.id
      assert.deepStrictEqual((yield* send(call, "DELETE", `/__emulator/faults/${first}`)).body, { ok: true })
      assert.deepStrictEqual((yield* call("GET", "/__emulator/faults")).body.faults.map((f: { id: number }) => f.id), [second])
      assert.strictEqual((yield* send(call, "DELETE", `/__emulator/faults/${first}`)).status, 404)
      assert.strictEqual((yield* call("POST", "/session", { body: appSession() })).status, 201)

      yield* call("GET", "/session")
      const all = (yield* call("GET", "/__emulator/requests")).body.requests as Array<{ seq: number }>
      assert.strictEqual(all.length, 2)
      const after = yield* call("GET", `/__emulator/requests?after=${all[0]!.seq}`)
      assert.deepStrictEqual(after.body.requests, [all[1]])
      assert.deepStrictEqual((yield* call("GET", `/__emulator/requests?after=${all[1]!.seq}`)).body.requests, [])
      // seq keeps counting after the log is cleared, so a poller misses nothing
      yield* send(call, "DELETE", "/__emulator/requests")
      yield* call("GET", "/session")
      const fresh = (yield* call("GET", `/__emulator/requests?after=${all[1]!.seq}`)).body.requests as Array<{ seq: number }>
      assert.deepStrictEqual(fresh.map((e) => e.seq), [all[1]!.seq + 1])
    }))
})

describe("console: the UI's assets", () => {
  it.effect("/__emulator/ui redirects; the page and its assets with their headers; ETag; unknown asset 404 JSON", () =>
    Effect.gen(function*() {
      const { url } = yield* emulator()
      const redirect = yield* Effect.promise(() => fetch(`${url}/__emulator/ui`, { redirect: "manual" }))
      assert.deepStrictEqual([redirect.status, redirect.headers.get("location")], [308, "/__emulator/ui/"])
      const page = yield* call(url, "GET", "/__emulator/ui/")
      assert.strictEqual(page.status, 200)
      assert.match(page.headers.get("content-type")!, /^text\/html/)
      assert.match(page.text, /<html/i)
      const { assets } = yield* Effect.promise(() => import("../src/internal/UiAssets.js"))
      for (const asset of assets) {
        const r = yield* call(url, "GET", `/__emulator/ui/${asset.path}`)
        assert.deepStrictEqual([r.status, r.text, r.headers.get("content-type")], [200, asset.body, asset.contentType])
        assert.strictEqual(r.headers.get("x-content-type-options"), "nosniff")
        assert.strictEqual(r.headers.get("referrer-policy"), "no-referrer")
        assert.strictEqual(r.headers.get("cache-control"), "no-cache")
        assert.include(r.headers.get("content-security-policy")!, "default-src 'self'")
        assert.include(r.headers.get("content-security-policy")!, "frame-ancestors 'none'")
        assert.isNull(r.headers.get("access-control-allow-origin"))
        const etag = r.headers.get("etag")!
        const again = yield* call(url, "GET", `/__emulator/ui/${asset.path}`, { headers: { "if-none-match": etag } })
        assert.deepStrictEqual([again.status, again.text], [304, ""])
      }
      const missing = yield* call(url, "GET", "/__emulator/ui/missing.js")
      assert.strictEqual(missing.status, 404)
      assert.isArray(missing.body.errors)
    }))

  it.effect("the OpenAPI document lists the console endpoints (not the UI's assets)", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const doc = (yield* call("GET", "/__emulator/openapi")).body
      for (const path of ["/__emulator/overview", "/__emulator/users/{id}", "/__emulator/sessions/{id}", "/__emulator/blobs/{id}/content", "/__emulator/faults/{id}"]) {
        assert.property(doc.paths, path)
      }
      assert.notProperty(doc.paths, "/__emulator/ui/*")
    }))
})
