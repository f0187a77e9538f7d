import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { appSession, call, emulator } from "./helpers.js"

describe("faults", () => {
  it.effect("the next N matching requests answer the status, body and Retry-After; then normal again", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const added = yield* call("POST", "/__emulator/faults", {
        body: { method: "POST", path: "/session", times: 2, status: 429, body: { errors: ["Too Many Requests"] }, retryAfter: 3 }
      })
      assert.strictEqual(added.status, 201)
      for (let i = 0; i < 2; i++) {
        const r = yield* call("POST", "/session.json", { body: appSession() })
        assert.deepStrictEqual([r.status, r.body], [429, { errors: ["Too Many Requests"] }])
        assert.strictEqual(r.headers.get("retry-after"), "3")
      }
      assert.strictEqual((yield* call("POST", "/session", { body: appSession() })).status, 201)
      assert.deepStrictEqual((yield* call("GET", "/__emulator/faults")).body, { faults: [] })
    }))

  it.effect("method and path filter; regex paths; admin endpoints are never faulted", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      yield* call("POST", "/__emulator/faults", { body: { path: "^/session(\\.json)?$", regex: true, method: "GET", status: 503 } })
      yield* call("POST", "/__emulator/faults", { body: { path: "/__emulator", status: 500, times: 5 } })
      assert.strictEqual((yield* call("POST", "/session", { body: appSession() })).status, 201)
      assert.strictEqual((yield* call("GET", "/__emulator/clock")).status, 200)
      const r = yield* call("GET", "/session.json")
      assert.strictEqual(r.status, 503)
      assert.isArray(r.body.errors)
      const bad = yield* call("POST", "/__emulator/faults", { body: { path: "(", regex: true, status: 500 } })
      assert.strictEqual(bad.status, 422)
      const invalid = yield* call("POST", "/__emulator/faults", { body: { status: 42 } })
      assert.strictEqual(invalid.status, 422)
      assert.strictEqual((yield* call("DELETE", "/__emulator/faults", { headers: { "content-type": "application/json" } })).status, 200)
      assert.strictEqual((yield* call("GET", "/session")).status, 401)
    }))

  it.effect("drop destroys the connection; delay holds the answer", () =>
    Effect.gen(function*() {
      const { call, url } = yield* emulator()
      yield* call("POST", "/__emulator/faults", { body: { path: "/session", drop: true } })
      const dropped = yield* Effect.result(Effect.tryPromise(() => fetch(`${url}/session`, { method: "GET" })))
      assert.strictEqual(dropped._tag, "Failure")
      yield* call("POST", "/__emulator/faults", { body: { path: "/session", delayMs: 300 } })
      const started = performance.now()
      const delayed = yield* call("POST", "/session", { body: appSession() })
      assert.strictEqual(delayed.status, 201)
      assert.isAtLeast(performance.now() - started, 290)
      const log = (yield* call("GET", "/__emulator/requests")).body.requests as Array<{ fault?: string }>
      assert.deepStrictEqual(log.filter((e) => e.fault !== undefined).map((e) => e.fault), ["drop", "delay"])
    }))

  it.live("a request the client gave up on is logged once, as 499; a delayed drop once, as dropped", () =>
    Effect.gen(function*() {
      const { call, url } = yield* emulator()
      yield* call("POST", "/__emulator/faults", { body: { path: "/session", delayMs: 2_000 } })
      const aborted = yield* Effect.result(Effect.tryPromise(() =>
        fetch(`${url}/session.json`, { method: "POST", signal: AbortSignal.timeout(100) })
      ))
      assert.strictEqual(aborted._tag, "Failure")
      yield* call("POST", "/__emulator/faults", { body: { path: "/session", delayMs: 100, drop: true } })
      const dropped = yield* Effect.result(Effect.tryPromise(() => fetch(`${url}/session`, { method: "GET" })))
      assert.strictEqual(dropped._tag, "Failure")
      // the server learns of the hang-up a little after the client
      const entries = () =>
        Effect.map(call("GET", "/__emulator/requests"), (r) => r.body.requests as Array<{ method: string; status: number; fault?: string }>)
      let log = yield* entries()
      for (let i = 0; i < 50 && log.length < 2; i++) {
        yield* Effect.sleep("20 millis")
        log = yield* entries()
      }
      // and nothing more comes later
      yield* Effect.sleep("100 millis")
      log = yield* entries()
      assert.deepStrictEqual(log.map((e) => [e.method, e.status, e.fault]), [["POST", 499, "delay"], ["GET", 499, "drop"]])
    }))

  it.effect("in-process handle adds faults too", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator()
      yield* emu.addFault({ path: "/session", status: 500, times: 1 })
      assert.strictEqual((yield* call("POST", "/session", { body: appSession() })).status, 500)
      assert.strictEqual((yield* call("POST", "/session", { body: appSession() })).status, 201)
    }))
})

describe("reset, request log, export/import, openapi", () => {
  it.effect("reset clears data but keeps the apps", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator({ apps: [{ id: 1, authKey: "emulator-auth-key" }, { id: 2, authKey: "two" }] })
      const token = (yield* call("POST", "/session", { body: appSession({ user: { login: "gone", password: "secret12" } }) }))
        .body.session.token
      yield* call("POST", "/__emulator/faults", { body: { path: "/nothing", status: 500 } })
      assert.deepStrictEqual((yield* call("POST", "/__emulator/reset", { headers: { "content-type": "application/json" } })).body, { ok: true })
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 401)
      const state = yield* emu.exportState
      assert.deepStrictEqual(state.tables.users, [])
      assert.deepStrictEqual(state.tables.sessions, [])
      assert.deepStrictEqual((state.tables.apps ?? []).map((a) => a.id), [1, 2])
      assert.deepStrictEqual((yield* call("GET", "/__emulator/faults")).body, { faults: [] })
      // ids start again after a reset
      const again = yield* call("POST", "/session", { body: appSession({ user: { login: "first", password: "secret12" } }) })
      assert.strictEqual(again.body.session.user_id, 1)
    }))

  it.effect("the request log is in order and never holds tokens, keys or passwords", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      yield* call("DELETE", "/__emulator/requests", { headers: { "content-type": "application/json" } })
      const session = (yield* call("POST", "/session.json", {
        body: appSession({ user: { login: "logme", password: "hunter2-secret" } })
      })).body.session
      yield* call("GET", `/session.json?token=${session.token}&x=1`, { token: session.token })
      yield* call("GET", "/missing")
      const r = yield* call("GET", "/__emulator/requests")
      const entries = r.body.requests as Array<{ method: string; path: string; query: string; status: number; time: string }>
      assert.deepStrictEqual(entries.map((e) => [e.method, e.path, e.status]), [
        ["POST", "/session.json", 201],
        ["GET", "/session.json", 200],
        ["GET", "/missing", 404]
      ])
      assert.strictEqual(entries[1]!.query, "token=[REDACTED]&x=1")
      assert.match(entries[0]!.time, /^\d{4}-\d\d-\d\dT/)
      assert.notInclude(r.text, session.token)
      assert.notInclude(r.text, "hunter2-secret")
      assert.notInclude(r.text, "emulator-auth-key")
      assert.strictEqual((yield* call("DELETE", "/__emulator/requests", { headers: { "content-type": "application/json" } })).status, 200)
      assert.deepStrictEqual(((yield* call("GET", "/__emulator/requests")).body.requests as Array<unknown>).length, 0)
    }))

  it.effect("export → import round trip into another emulator (sessions and passwords keep working)", () =>
    Effect.gen(function*() {
      const a = yield* emulator()
      const created = (yield* a.call("POST", "/session", {
        body: appSession({ user: { login: "roundtrip", password: "secret12" } })
      })).body.session
      const exported = yield* a.call("GET", "/__emulator/export?secrets=true")
      assert.strictEqual(exported.status, 200)
      assert.strictEqual(exported.body.format, "connectycube-emulator")
      assert.notInclude(exported.text, "secret12")

      const b = yield* emulator()
      const imported = yield* b.call("POST", "/__emulator/import", { body: exported.body })
      assert.strictEqual(imported.status, 200)
      assert.strictEqual(imported.body.imported.users, 1)
      const reexported = yield* b.call("GET", "/__emulator/export?secrets=true")
      assert.deepStrictEqual(reexported.body.tables, exported.body.tables)
      const session = yield* b.call("GET", "/session", { token: created.token })
      assert.strictEqual(session.status, 200)
      assert.strictEqual(session.body.session.user.login, "roundtrip")
      const login = yield* b.call("POST", "/session", { body: appSession({ user: { login: "roundtrip", password: "secret12" } }) })
      assert.strictEqual(login.body.session.user_id, created.user_id)
      const wrong = yield* b.call("POST", "/session", { body: appSession({ user: { login: "roundtrip", password: "nope" } }) })
      assert.strictEqual(wrong.status, 401)
    }))

  it.effect("a bad import changes nothing (all or nothing)", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator()
      yield* call("POST", "/session", { body: appSession({ user: { login: "stays", password: "secret12" } }) })
      const before = yield* emu.exportState
      const unknownColumn = yield* call("POST", "/__emulator/import", {
        body: { tables: { users: [{ id: 5, _id: "x", app_id: 1, created_at: 1, updated_at: 1 }], sessions: [{ nope: 1 }] } }
      })
      assert.strictEqual(unknownColumn.status, 422)
      const unknownTable = yield* call("POST", "/__emulator/import", { body: { tables: { nope: [] } } })
      assert.strictEqual(unknownTable.status, 422)
      const malformed = yield* call("POST", "/__emulator/import", { rawBody: "{", headers: { "content-type": "application/json" } })
      assert.strictEqual(malformed.status, 400)
      const after = yield* emu.exportState
      assert.deepStrictEqual(after.tables.users, before.tables.users)
    }))

  it.effect("a simple seed ({users:[...]}) at start and by import", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cube-emu-seed-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      const file = Path.join(dir, "seed.json")
      Fs.writeFileSync(file, JSON.stringify({ users: [{ login: "seeded", password: "secret12", tag_list: "a,b" }] }))
      const { call } = yield* emulator({ seed: file })
      const r = yield* call("POST", "/session", { body: appSession({ user: { login: "seeded", password: "secret12" } }) })
      assert.strictEqual(r.status, 201)
      assert.strictEqual(r.body.session.user.user_tags, "a,b")
      assert.strictEqual((yield* call("POST", "/session", { body: appSession({ user: { login: "seeded", password: "x" } }) })).status, 401)
    }))

  it.effect("exportToFile writes atomically (no temp file left) and the file seeds a new emulator", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cube-emu-export-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      const a = yield* emulator()
      yield* a.call("POST", "/session", { body: appSession({ user: { login: "tofile", password: "secret12" } }) })
      const file = Path.join(dir, "state.json")
      yield* a.emu.exportToFile(file)
      assert.deepStrictEqual(Fs.readdirSync(dir), ["state.json"])
      const b = yield* emulator({ seed: file })
      const r = yield* b.call("POST", "/session", { body: appSession({ user: { login: "tofile", password: "secret12" } }) })
      assert.strictEqual(r.status, 201)
    }))

  it.effect("openapi.json documents the routes from the route table", () =>
    Effect.gen(function*() {
      const { url } = yield* emulator()
      const r = yield* call(url, "GET", "/__emulator/openapi.json")
      assert.strictEqual(r.status, 200)
      assert.strictEqual(r.body.openapi, "3.1.0")
      assert.property(r.body.paths, "/session")
      assert.property(r.body.paths["/session"], "post")
      assert.property(r.body.paths["/session"].post.responses, "201")
      assert.property(r.body.paths["/login"], "delete")
      assert.deepStrictEqual(r.body.paths["/session"].get.security, [{ cbToken: [] }])
      const schema = r.body.paths["/session"].post.responses["201"].content["application/json"].schema
      assert.isObject(schema)
      // a user answer is documented field by field (its wire struct), not as an opaque object
      const user = JSON.stringify(r.body.paths["/users/{id}"].get.responses["200"].content["application/json"].schema)
      const defs = JSON.stringify(r.body.components ?? {})
      assert.include(user + defs, "last_request_at")
    }))

  it.effect("emails: the outbox starts empty and can be cleared", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator()
      assert.deepStrictEqual((yield* call("GET", "/__emulator/emails")).body, { emails: [] })
      assert.strictEqual((yield* call("DELETE", "/__emulator/emails", { headers: { "content-type": "application/json" } })).status, 200)
      assert.deepStrictEqual(yield* emu.emails, [])
    }))
})
