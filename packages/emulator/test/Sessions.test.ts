import { Session, User } from "@connectycube-effect/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import { appSession, emulator, fakeJwt } from "./helpers.js"

const decodeSession = Schema.decodeUnknownSync(Schema.Struct({ session: Session.Session }))
const decodeUser = Schema.decodeUnknownSync(User.UserEnvelope)

const HOUR = 60 * 60 * 1000

describe("POST /session", () => {
  it.effect("creates an application session (201, with and without .json), decodable by the core Schema", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      for (const path of ["/session", "/session.json"]) {
        const r = yield* call("POST", path, { body: appSession() })
        assert.strictEqual(r.status, 201)
        assert.strictEqual(r.headers.get("content-type"), "application/json; charset=utf-8")
        const { session } = decodeSession(r.body)
        assert.match(session.token, /^[0-9A-F]{36}$/)
        assert.strictEqual(session.user_id, null)
        assert.strictEqual(session.application_id, 1)
        assert.isTrue(session.id > 0)
        assert.match(session.created_at!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        assert.strictEqual(typeof session.ts, "number")
        assert.isUndefined(r.body.session.user)
      }
    }))

  it.effect("takes application_id as a string, a form body, echoes nonce and timestamp, and ignores a stale CB-Token", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const json = yield* call("POST", "/session.json", {
        body: appSession({ application_id: "1", nonce: "4242", timestamp: 1544010993 }),
        token: "STALE0000000000000000000000000000000"
      })
      assert.strictEqual(json.status, 201)
      assert.strictEqual(json.body.session.nonce, 4242)
      assert.strictEqual(json.body.session.ts, 1544010993)
      const form = yield* call("POST", "/session", {
        rawBody: "application_id=1&auth_key=emulator-auth-key&user%5Blogin%5D=formuser&user[password]=secret12",
        headers: { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" }
      })
      assert.strictEqual(form.status, 201)
      assert.strictEqual(form.body.session.user.login, "formuser")
    }))

  it.effect("wrong application credentials → 401 Unauthorized; missing auth_key → 422", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const wrongKey = yield* call("POST", "/session", { body: appSession({ auth_key: "nope" }) })
      assert.strictEqual(wrongKey.status, 401)
      assert.deepStrictEqual(wrongKey.body, { errors: ["Unauthorized"] })
      const wrongApp = yield* call("POST", "/session", { body: appSession({ application_id: 999 }) })
      assert.deepStrictEqual([wrongApp.status, wrongApp.body], [401, { errors: ["Unauthorized"] }])
      const missing = yield* call("POST", "/session", { body: { application_id: 1 } })
      assert.deepStrictEqual([missing.status, missing.body], [422, { errors: { auth_key: ["cannot be blank"] } }])
    }))

  it.effect("login: creates the user on first use, then checks the password; session id == user id", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const first = yield* call("POST", "/session", { body: appSession({ user: { login: "john", password: "secret12" } }) })
      assert.strictEqual(first.status, 201)
      const { session } = decodeSession(first.body)
      assert.strictEqual(session.user!.login, "john")
      assert.strictEqual(session.id, session.user_id)
      assert.strictEqual(session.user!.id, session.user_id)
      assert.notProperty(first.body.session.user, "password")
      assert.notProperty(first.body.session.user, "password_hash")
      assert.match(first.body.session.user._id, /^[0-9a-f]{24}$/)

      const again = yield* call("POST", "/session", { body: appSession({ user: { login: "JOHN", password: "secret12" } }) })
      assert.strictEqual(again.status, 201)
      assert.strictEqual(again.body.session.user_id, session.user_id)
      assert.notStrictEqual(again.body.session.token, session.token)

      const wrong = yield* call("POST", "/session", { body: appSession({ user: { login: "john", password: "bad" } }) })
      assert.deepStrictEqual([wrong.status, wrong.body], [401, { errors: ["Invalid password"] }])
    }))

  it.effect("email: creates and signs in by email", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const r = yield* call("POST", "/session", { body: appSession({ user: { email: "a@example.com", password: "secret12" } }) })
      assert.strictEqual(r.status, 201)
      assert.strictEqual(r.body.session.user.email, "a@example.com")
      assert.strictEqual(r.body.session.user.login, null)
      const wrong = yield* call("POST", "/session", { body: appSession({ user: { email: "a@example.com", password: "x" } }) })
      assert.strictEqual(wrong.status, 401)
    }))

  it.effect("an app that denies creation answers 404 User not found", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator({ apps: [{ id: 3, authKey: "k3", allowUserCreation: false }] })
      const r = yield* call("POST", "/session", {
        body: { application_id: 3, auth_key: "k3", user: { login: "ghost", password: "secret12" } }
      })
      assert.deepStrictEqual([r.status, r.body], [404, { errors: ["User not found"] }])
    }))

  it.effect("guest: guest_login_<HEX>, is_guest, lives one day (sliding), not two hours", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator()
      const r = yield* call("POST", "/session", { body: appSession({ user: { guest: "1", full_name: "Olof Shodger" } }) })
      assert.strictEqual(r.status, 201)
      const user = r.body.session.user
      assert.match(user.login, /^guest_login_[0-9A-F]+$/)
      assert.strictEqual(user.is_guest, true)
      assert.strictEqual(user.full_name, "Olof Shodger")
      const token = r.body.session.token
      yield* emu.advanceClock(3 * HOUR)
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 200)
      yield* emu.advanceClock(24 * HOUR + 1)
      const gone = yield* call("GET", "/session", { token })
      assert.deepStrictEqual([gone.status, gone.body], [401, { errors: { base: ["Required session does not exist"] } }])
    }))

  it.effect("guest: deleted once its day is over (no live session, no request for a day); active guests and other users stay", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator()
      const guest = (name: string) =>
        Effect.map(
          call("POST", "/session", { body: appSession({ user: { guest: "1", full_name: name } }) }),
          (r) => ({ token: r.body.session.token as string, id: r.body.session.user_id as number })
        )
      const exists = (id: number) =>
        Effect.flatMap(call("POST", "/session", { body: appSession() }), (app) =>
          Effect.map(call("GET", `/users/${id}`, { token: app.body.session.token }), (r) => r.status === 200))
      const idle = yield* guest("Idle")
      const active = yield* guest("Active")
      const signedOut = yield* guest("Signed out")
      const member = yield* call("POST", "/session", { body: appSession({ user: { login: "member1", password: "secret12" } }) })
      yield* emu.advanceClock(12 * HOUR)
      assert.strictEqual((yield* call("GET", "/session", { token: active.token })).status, 200)
      assert.strictEqual((yield* call("DELETE", "/session", { token: signedOut.token })).status, 200)
      // a day after their last request: the idle guest goes; the signed-out one (last seen 12 h later) not yet
      yield* emu.advanceClock(12 * HOUR + 1000)
      assert.isFalse(yield* exists(idle.id))
      assert.isTrue(yield* exists(signedOut.id))
      assert.isTrue(yield* exists(active.id))
      yield* emu.advanceClock(12 * HOUR)
      assert.isFalse(yield* exists(signedOut.id))
      assert.isFalse(yield* exists(active.id))
      // a user who is not a guest is never deleted for being idle
      assert.isTrue(yield* exists(member.body.session.user_id))
      const again = yield* call("GET", "/session", { token: active.token })
      assert.strictEqual(again.status, 401)
    }))

  it.effect("facebook/twitter: the same token is the same user; another token another user", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const fb = (token: string) => call("POST", "/session", { body: appSession({ provider: "facebook", keys: { token } }) })
      const a = yield* fb("FB-TOKEN")
      const b = yield* fb("FB-TOKEN")
      const c = yield* fb("OTHER")
      assert.strictEqual(a.status, 201)
      assert.match(a.body.session.user.facebook_id, /^\d+$/)
      assert.strictEqual(a.body.session.user_id, b.body.session.user_id)
      assert.notStrictEqual(a.body.session.user_id, c.body.session.user_id)
      const tw = yield* call("POST", "/session", { body: appSession({ provider: "twitter", keys: { token: "T", secret: "S" } }) })
      assert.strictEqual(tw.status, 201)
      assert.match(tw.body.session.user.twitter_id, /^\d+$/)
      const blank = yield* call("POST", "/session", { body: appSession({ provider: "facebook", keys: {} }) })
      assert.strictEqual(blank.status, 422)
    }))

  it.effect("firebase_phone (nested and flat JSON keys) and firebase_email; aud and exp are checked", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator()
      const exp = Math.floor(emu.clock.unsafeNow() / 1000) + 3600
      const phoneToken = fakeJwt({ aud: "proj-1", exp, phone_number: "+15550001" })
      const nested = yield* call("POST", "/session", {
        body: appSession({ provider: "firebase_phone", firebase_phone: { project_id: "proj-1", access_token: phoneToken } })
      })
      assert.strictEqual(nested.status, 201)
      assert.strictEqual(nested.body.session.user.phone, "+15550001")
      const flat = yield* call("POST", "/session", {
        body: appSession({
          provider: "firebase_phone",
          "firebase_phone[project_id]": "proj-1",
          "firebase_phone[access_token]": phoneToken
        })
      })
      assert.strictEqual(flat.status, 201)
      assert.strictEqual(flat.body.session.user_id, nested.body.session.user_id)

      const email = yield* call("POST", "/session", {
        body: appSession({
          provider: "firebase_email",
          firebase_email: { project_id: "proj-1", access_token: fakeJwt({ project_id: "proj-1", exp, email: "fb@example.com" }) }
        })
      })
      assert.strictEqual(email.status, 201)
      assert.strictEqual(email.body.session.user.email, "fb@example.com")

      const otherProject = yield* call("POST", "/session", {
        body: appSession({ provider: "firebase_phone", firebase_phone: { project_id: "proj-2", access_token: phoneToken } })
      })
      assert.strictEqual(otherProject.status, 422)
      assert.isArray(otherProject.body.errors.base)
      const expired = yield* call("POST", "/session", {
        body: appSession({
          provider: "firebase_phone",
          firebase_phone: { project_id: "proj-1", access_token: fakeJwt({ aud: "proj-1", exp: exp - 7200, phone_number: "+1" }) }
        })
      })
      assert.strictEqual(expired.status, 422)
      assert.match(expired.body.errors.base[0], /expired/)
      const garbage = yield* call("POST", "/session", {
        body: appSession({ provider: "firebase_phone", firebase_phone: { project_id: "proj-1", access_token: "not-a-jwt" } })
      })
      assert.strictEqual(garbage.status, 422)
      const missing = yield* call("POST", "/session", { body: appSession({ provider: "firebase_phone" }) })
      assert.strictEqual(missing.status, 422)
    }))

  it.effect("Custom Identity Provider: GET <cidpUrl>?token=<login>, user created once, errors mapped to 422", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const cidp = Http.createServer((req, res) => {
        const token = new URL(req.url!, "http://x").searchParams.get("token")
        seen.push(token ?? "")
        if (token === "good-token") {
          res.writeHead(200, { "content-type": "application/json" })
          res.end(JSON.stringify({ uid: "ext-42", full_name: "External Person", email: "ext@example.com" }))
        } else {
          res.writeHead(404, { "content-type": "application/json" })
          res.end(JSON.stringify({ error: "Token invalid" }))
        }
      })
      yield* Effect.acquireRelease(
        Effect.callback<void>((resume) => {
          cidp.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () =>
          Effect.callback<void>((resume) => {
            cidp.close(() => resume(Effect.void))
          })
      )
      const port = (cidp.address() as { port: number }).port
      const { call } = yield* emulator({ cidpUrl: `http://127.0.0.1:${port}/verify` })
      const first = yield* call("POST", "/session", { body: appSession({ user: { login: "good-token", password: "x" } }) })
      assert.strictEqual(first.status, 201)
      assert.strictEqual(first.body.session.user.login, "custom_ext-42")
      assert.strictEqual(first.body.session.user.full_name, "External Person")
      assert.strictEqual(first.body.session.user.external_id, "ext-42")
      const second = yield* call("POST", "/session", { body: appSession({ user: { login: "good-token", password: "y" } }) })
      assert.strictEqual(second.body.session.user_id, first.body.session.user_id)
      const bad = yield* call("POST", "/session", { body: appSession({ user: { login: "bad-token", password: "x" } }) })
      assert.strictEqual(bad.status, 422)
      assert.deepStrictEqual(bad.body, {
        errors: { base: ["Custom Identity Provider responded with an error = \"Token invalid\". Status code = 404"] }
      })
      assert.deepStrictEqual(seen, ["good-token", "good-token", "bad-token"])
    }))

  it.effect("signature: checked when the app has a secret (vector from official-sdk §3.2), unsigned still accepted", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator({ apps: [{ id: 123, authKey: "AUTHKEY-abc", authSecret: "SECRET-xyz" }] })
      const base = { application_id: 123, auth_key: "AUTHKEY-abc", nonce: 4242, timestamp: 1700000000 }
      const ok = yield* call("POST", "/session", {
        body: { ...base, user: { login: "cubeuser", password: "awesomepwd" }, signature: "e87b6dc972b9dff660af4f895983ec02cdf43591" }
      })
      assert.strictEqual(ok.status, 201)
      assert.strictEqual(ok.body.session.nonce, 4242)
      const bad = yield* call("POST", "/session", { body: { ...base, signature: "e87b6dc972b9dff660af4f895983ec02cdf43591" } })
      assert.deepStrictEqual([bad.status, bad.body], [422, { errors: ["Unexpected signature"] }])
      const unsigned = yield* call("POST", "/session", { body: { application_id: 123, auth_key: "AUTHKEY-abc" } })
      assert.strictEqual(unsigned.status, 201)
    }))

  it.effect("signature: a SHA-256 signature (64 hex characters) is checked too", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator({ apps: [{ id: 123, authKey: "AUTHKEY-abc", authSecret: "SECRET-xyz" }] })
      const base = { application_id: 123, auth_key: "AUTHKEY-abc", nonce: 4242, timestamp: 1700000000 }
      const signature = Crypto.createHmac("sha256", "SECRET-xyz")
        .update("application_id=123&auth_key=AUTHKEY-abc&nonce=4242&timestamp=1700000000")
        .digest("hex")
      const ok = yield* call("POST", "/session", { body: { ...base, signature } })
      assert.strictEqual(ok.status, 201)
      const bad = yield* call("POST", "/session", { body: { ...base, nonce: 4243, signature } })
      assert.deepStrictEqual([bad.status, bad.body], [422, { errors: ["Unexpected signature"] }])
    }))

  it.effect("firebase: a token without exp or at its exp, or without the phone number or email, is refused", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator()
      yield* call("POST", "/__emulator/clock", { body: { now: "2030-01-01T10:00:00Z", freeze: true } })
      const now = Date.UTC(2030, 0, 1, 10, 0, 0) / 1000
      const create = (provider: "firebase_phone" | "firebase_email", payload: Record<string, unknown>) =>
        call("POST", "/session", {
          body: appSession({ provider, [provider]: { project_id: "p", access_token: fakeJwt({ aud: "p", ...payload }) } })
        })
      const refused = (message: string) => [422, { errors: { base: [message] } }]
      const noExp = yield* create("firebase_phone", { phone_number: "+15550002" })
      assert.deepStrictEqual([noExp.status, noExp.body], refused("Firebase access token has expired"))
      const atExp = yield* create("firebase_phone", { exp: now, phone_number: "+15550002" })
      assert.deepStrictEqual([atExp.status, atExp.body], refused("Firebase access token has expired"))
      const noPhone = yield* create("firebase_phone", { exp: now + 60 })
      assert.deepStrictEqual([noPhone.status, noPhone.body], refused("Firebase access token has no phone_number"))
      const noEmail = yield* create("firebase_email", { exp: now + 60 })
      assert.deepStrictEqual([noEmail.status, noEmail.body], refused("Firebase access token has no email"))
      const valid = yield* create("firebase_phone", { exp: now + 1, phone_number: "+15550002" })
      assert.strictEqual(valid.status, 201)
      const snapshot = yield* emu.exportState
      assert.strictEqual(snapshot.tables.users!.length, 1)
    }))

  it.effect("bad input never 500s: malformed JSON, non-object JSON, wrong content type, oversized body; nothing stored", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator({ bodyLimit: 1024 })
      const malformed = yield* call("POST", "/session", { rawBody: "{\"application_id\":", headers: { "content-type": "application/json" } })
      assert.strictEqual(malformed.status, 400)
      assert.isArray(malformed.body.errors)
      const array = yield* call("POST", "/session", { rawBody: "[1]", headers: { "content-type": "application/json" } })
      assert.strictEqual(array.status, 422)
      const xml = yield* call("POST", "/session", { rawBody: "<session/>", headers: { "content-type": "application/xml" } })
      assert.strictEqual(xml.status, 400)
      assert.deepStrictEqual(xml.body, { errors: ["Unsupported Content-Type: application/xml"] })
      const big = yield* call("POST", "/session", {
        body: appSession({ user: { login: "big", password: "x".repeat(4096) } })
      })
      assert.strictEqual(big.status, 413)
      assert.isArray(big.body.errors)
      const chunked = yield* Effect.promise(async () => {
        const chunk = new TextEncoder().encode(" ".repeat(512))
        const body = new ReadableStream({
          start(controller) {
            for (let i = 0; i < 8; i++) controller.enqueue(chunk)
            controller.close()
          }
        })
        const res = await fetch(`${emu.url}/session`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          duplex: "half"
        } as RequestInit)
        return { status: res.status, body: await res.json() }
      })
      assert.deepStrictEqual(chunked, { status: 413, body: { errors: ["Request body is larger than 1024 bytes"] } })
      const snapshot = yield* emu.exportState
      assert.deepStrictEqual(snapshot.tables.users, [])
      assert.deepStrictEqual(snapshot.tables.sessions, [])
    }))
})

describe("token rules", () => {
  it.effect("missing, empty and unknown tokens", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const missing = yield* call("GET", "/session")
      assert.deepStrictEqual([missing.status, missing.body], [401, { errors: ["Token is required"] }])
      const empty = yield* call("GET", "/session.json", { headers: { "CB-Token": " " } })
      assert.deepStrictEqual([empty.status, empty.body], [401, { errors: ["Token is required"] }])
      const unknown = yield* call("GET", "/session", { token: "0".repeat(36) })
      assert.deepStrictEqual([unknown.status, unknown.body], [401, { errors: { base: ["Required session does not exist"] } }])
      assert.isNull(unknown.headers.get("cb-token-expirationdate"))
    }))

  it.effect("expiry is 2 h after the last request on the emulator clock; every request slides it", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator({ clockStart: Date.UTC(2030, 0, 1, 10, 0, 0) })
      yield* emu.clock.freeze(true)
      const token = (yield* call("POST", "/session", { body: appSession() })).body.session.token as string
      const first = yield* call("GET", "/session", { token })
      assert.strictEqual(first.headers.get("cb-token-expirationdate"), "2030-01-01 12:00:00 UTC")
      assert.strictEqual(first.headers.get("date"), new Date(Date.UTC(2030, 0, 1, 10, 0, 0)).toUTCString())

      yield* emu.advanceClock(HOUR + 59 * 60 * 1000)
      const slid = yield* call("GET", "/session", { token })
      assert.strictEqual(slid.status, 200)
      assert.strictEqual(slid.headers.get("cb-token-expirationdate"), "2030-01-01 13:59:00 UTC")
      const ttl = Date.parse(slid.headers.get("cb-token-expirationdate")!.replace(" UTC", "Z").replace(" ", "T")) -
        Date.parse(slid.headers.get("date")!)
      assert.strictEqual(ttl, 2 * HOUR)

      yield* emu.advanceClock(2 * HOUR - 1)
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 200)
      yield* emu.advanceClock(2 * HOUR + 1)
      const expired = yield* call("GET", "/session", { token })
      assert.deepStrictEqual([expired.status, expired.body], [401, { errors: { base: ["Required session does not exist"] } }])
    }))

  it.effect("slides within one second (kept in memory, not written) still count to the millisecond", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator()
      yield* call("POST", "/__emulator/clock", { body: { now: "2030-01-01T10:00:00Z", freeze: true } })
      const token = (yield* call("POST", "/session", { body: appSession() })).body.session.token as string
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 200) // 10:00:00.000, written
      yield* emu.advanceClock(900)
      const second = yield* call("GET", "/session", { token }) // 10:00:00.900, same second: in memory
      assert.strictEqual(second.headers.get("cb-token-expirationdate"), "2030-01-01 12:00:00 UTC")
      // the export writes the pending slide first: it shows the last request
      const exported = (yield* emu.exportState).tables.sessions!.find((s) => s.token === token)!
      assert.strictEqual(exported.last_request_at, Date.UTC(2030, 0, 1, 10, 0, 0, 900))
      assert.strictEqual(exported.expires_at, Date.UTC(2030, 0, 1, 12, 0, 0, 900))
      yield* emu.advanceClock(50)
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 200) // 10:00:00.950, in memory again
      yield* emu.advanceClock(2 * HOUR - 1)
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 200)
      yield* emu.advanceClock(500)
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 200)
      yield* emu.advanceClock(2 * HOUR)
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 401)
      // a reset forgets it
      yield* emu.reset
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 401)
    }))

  it.effect("the clock moves over HTTP too", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const token = (yield* call("POST", "/session", { body: appSession() })).body.session.token as string
      const before = (yield* call("GET", "/__emulator/clock")).body.nowMs as number
      const moved = yield* call("POST", "/__emulator/clock", { body: { advanceMs: 2 * HOUR + 1 } })
      assert.isAtLeast(moved.body.nowMs, before + 2 * HOUR + 1)
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 401)
      const set = yield* call("POST", "/__emulator/clock", { body: { now: "2040-05-06T07:08:09Z", freeze: true } })
      assert.strictEqual(set.body.now, "2040-05-06T07:08:09.000Z")
      assert.strictEqual((yield* call("POST", "/__emulator/clock", { body: { now: "not a date" } })).status, 422)
    }))

  it.effect("a request with a user token updates the user's last_request_at", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator({ clockStart: Date.UTC(2030, 0, 1) })
      yield* emu.clock.freeze(true)
      const token = (yield* call("POST", "/session", { body: appSession({ user: { login: "lra", password: "secret12" } }) }))
        .body.session.token as string
      yield* emu.advanceClock(30 * 60 * 1000)
      const r = yield* call("GET", "/session", { token })
      assert.strictEqual(r.body.session.user.last_request_at, "2030-01-01T00:30:00Z")
    }))
})

describe("GET/DELETE /session, POST/DELETE /login", () => {
  it.effect("GET embeds the user for a user session; DELETE ends the token", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const token = (yield* call("POST", "/session", { body: appSession({ user: { login: "del", password: "secret12" } }) }))
        .body.session.token as string
      const got = yield* call("GET", "/session.json", { token })
      assert.strictEqual(got.status, 200)
      assert.strictEqual(decodeSession(got.body).session.user!.login, "del")
      const deleted = yield* call("DELETE", "/session.json", {
        token,
        headers: { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" }
      })
      assert.deepStrictEqual([deleted.status, deleted.text], [200, ""])
      const after = yield* call("GET", "/session", { token })
      assert.deepStrictEqual([after.status, after.body], [401, { errors: { base: ["Required session does not exist"] } }])
    }))

  it.effect("POST /login upgrades an app token; DELETE /login downgrades it (token kept)", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const app = (yield* call("POST", "/session", { body: appSession() })).body.session
      const login = yield* call("POST", "/login.json", { token: app.token, body: { login: "upgraded", password: "secret12" } })
      assert.strictEqual(login.status, 200)
      const { user } = decodeUser(login.body)
      assert.strictEqual(user.login, "upgraded")
      assert.isNotNull(login.headers.get("cb-token-expirationdate"))
      const upgraded = yield* call("GET", "/session", { token: app.token })
      assert.strictEqual(upgraded.body.session.user_id, user.id)
      assert.strictEqual(upgraded.body.session.id, user.id)

      const wrong = yield* call("POST", "/login", { token: app.token, body: { login: "upgraded", password: "nope" } })
      assert.deepStrictEqual([wrong.status, wrong.body], [401, { errors: ["Invalid password"] }])
      const blank = yield* call("POST", "/login", { token: app.token, body: { login: "upgraded" } })
      assert.deepStrictEqual([blank.status, blank.body], [422, { errors: { password: ["cannot be blank"] } }])

      const out = yield* call("DELETE", "/login.json", { token: app.token })
      assert.deepStrictEqual([out.status, out.text], [200, ""])
      const downgraded = yield* call("GET", "/session", { token: app.token })
      assert.strictEqual(downgraded.status, 200)
      assert.strictEqual(downgraded.body.session.user_id, null)
      assert.notStrictEqual(downgraded.body.session.id, user.id)
      assert.isUndefined(downgraded.body.session.user)
    }))

  it.effect("POST /login takes the provider forms, including flat firebase keys", () =>
    Effect.gen(function*() {
      const { call, emu } = yield* emulator()
      const token = (yield* call("POST", "/session", { body: appSession() })).body.session.token as string
      const exp = Math.floor(emu.clock.unsafeNow() / 1000) + 600
      const r = yield* call("POST", "/login", {
        token,
        body: {
          provider: "firebase_phone",
          "firebase_phone[project_id]": "p",
          "firebase_phone[access_token]": fakeJwt({ aud: "p", exp, phone_number: "+4912345" })
        }
      })
      assert.strictEqual(r.status, 200)
      assert.strictEqual(r.body.user.phone, "+4912345")
      const fb = yield* call("POST", "/login", { token, body: { provider: "facebook", keys: { token: "FB" } } })
      assert.strictEqual(fb.status, 200)
      assert.match(fb.body.user.facebook_id, /^\d+$/)
    }))

  it.effect("POST /login needs a valid token", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const r = yield* call("POST", "/login", { body: { login: "x", password: "y" } })
      assert.deepStrictEqual([r.status, r.body], [401, { errors: ["Token is required"] }])
    }))
})

describe("server conventions", () => {
  it.effect("unknown route → 404 E_ROUTE_NOT_FOUND in the errors array", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const r = yield* call("DELETE", "/session/list")
      assert.deepStrictEqual([r.status, r.body], [404, { errors: ["E_ROUTE_NOT_FOUND: Route not found DELETE /session/list"] }])
    }))

  it.effect("CORS: preflight answers, every answer carries allow/expose headers", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator()
      const pre = yield* call("OPTIONS", "/session.json", {
        headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" }
      })
      assert.strictEqual(pre.status, 204)
      assert.strictEqual(pre.headers.get("access-control-allow-origin"), "*")
      assert.include(pre.headers.get("access-control-allow-headers")!, "CB-Token")
      assert.include(pre.headers.get("access-control-allow-headers")!, "CB-AuthKey")
      const r = yield* call("POST", "/session", { body: appSession() })
      assert.strictEqual(r.headers.get("access-control-expose-headers"), "CB-Token-ExpirationDate, Date")
      assert.strictEqual(r.headers.get("access-control-allow-origin"), "*")
    }))

  it.effect("two emulators in one process do not share state", () =>
    Effect.gen(function*() {
      const a = yield* emulator()
      const b = yield* emulator({ apps: [{ id: 9, authKey: "nine" }] })
      assert.notStrictEqual(a.url, b.url)
      const token = (yield* a.call("POST", "/session", { body: appSession() })).body.session.token
      assert.strictEqual((yield* b.call("GET", "/session", { token })).status, 401)
      assert.strictEqual((yield* b.call("POST", "/session", { body: appSession() })).status, 401)
      yield* a.emu.advanceClock(10 * HOUR)
      assert.isBelow(Math.abs(b.emu.clock.unsafeNow() - Date.now()), 60_000)
    }))
})
