import { assert, describe, it } from "@effect/vitest"
import { Errors, Session, User } from "@connectycube-effect/core"
import { Effect, Schema } from "effect"

describe("Errors", () => {
  it("maps the expired-session body, and only that one, to SessionExpired", () => {
    assert.strictEqual(Errors.fromResponse({ status: 401, body: { errors: { base: ["Required session does not exist"] } } })._tag, "SessionExpired")
    assert.strictEqual(Errors.fromResponse({ status: 401, body: { errors: ["Invalid password"] } })._tag, "Unauthorized")
    // the flat form of the same answer
    assert.strictEqual(Errors.fromResponse({ status: 401, body: { errors: ["Required session does not exist"] } })._tag, "SessionExpired")
    assert.strictEqual(Errors.fromResponse({ status: 401, body: "Required session does not exist" })._tag, "Unauthorized")
    assert.strictEqual(Errors.fromResponse({ status: 403, body: { errors: { base: ["Required session does not exist"] } } })._tag, "Forbidden")
  })

  it("keeps the request, and names it first in the message", () => {
    const request = { method: "GET", path: "/users/v2.json" }
    const error = Errors.fromResponse({ status: 404, body: { errors: { base: ["Not found"] } }, request })
    assert.deepStrictEqual(error._tag === "NotFound" && error.request, request)
    assert.strictEqual(error.message, "GET /users/v2.json: not found (404). Server said: Not found.")
    const timeout = Errors.fromResponse({ status: 408, body: undefined, request })
    assert.strictEqual(timeout.message, "GET /users/v2.json: the server timed out reading the request (408).")
  })

  it("parses Retry-After in seconds and as an HTTP date", () => {
    const a = Errors.fromResponse({ status: 429, body: {}, retryAfter: "3" })
    assert.strictEqual(a._tag === "RateLimited" && a.retryAfterMs, 3000)
    const b = Errors.fromResponse({ status: 429, body: {}, retryAfter: new Date(10_000).toUTCString(), now: 4000 })
    assert.strictEqual(b._tag === "RateLimited" && b.retryAfterMs, 6000)
  })

  it("Retry-After: blank or unreadable is no hint; a past date or a negative delay is 0, never negative", () => {
    const after = (retryAfter: string | undefined) => {
      const e = Errors.fromResponse({ status: 429, body: {}, retryAfter, now: 10_000 })
      return e._tag === "RateLimited" ? e.retryAfterMs : "not RateLimited"
    }
    assert.isUndefined(after(undefined))
    assert.isUndefined(after(""))
    assert.isUndefined(after("   "))
    assert.isUndefined(after("soon"))
    assert.strictEqual(after(new Date(4000).toUTCString()), 0)
    assert.strictEqual(after("-5"), 0)
    assert.strictEqual(after("1.5"), 1500)
    assert.strictEqual(Errors.parseRetryAfter("  ", 0), undefined)
  })

  it("messages: the wait in whole seconds, rounded up; a 422 without details says so", () => {
    assert.include(Errors.fromResponse({ status: 429, body: {}, retryAfter: "1.5" }).message, "Retry after 2 s.")
    assert.strictEqual(
      Errors.fromResponse({ status: 422, body: "" }).message,
      "the server rejected the input (422): no details."
    )
  })

  it("isTransient: 429, transport failures to send, 500/502/503/504 and a 408; nothing else", () => {
    const transient = (e: Errors.CubeError) => Errors.isTransient(e)
    for (const status of [429, 500, 502, 503, 504, 408]) {
      assert.isTrue(transient(Errors.fromResponse({ status, body: {} })), String(status))
    }
    for (const status of [400, 401, 403, 404, 422, 501, 505, 599]) {
      assert.isFalse(transient(Errors.fromResponse({ status, body: {} })), String(status))
    }
    assert.isTrue(transient(new Errors.TransportError({ reason: "Transport" })))
    assert.isFalse(transient(new Errors.TransportError({ reason: "Encode" })))
    assert.isFalse(transient(new Errors.TransportError({ reason: "ResponseDecode" })))
    // the caller's own deadline passed: another attempt would be past it too
    assert.isFalse(transient(new Errors.Timeout({ timeoutMs: 50 })))
    assert.isFalse(transient(new Errors.InvalidInput({ field: "id", reason: "must be a positive integer" })))
  })

  it("redacts every secret-looking key of an error body, at any depth and in lists, and nothing else", () => {
    const body = {
      token: "t0k3n",
      session: { Session_Token: "t0k3n", user_id: 5 },
      user: { login: "cubeuser", password: "pw", old_password: "pw" },
      auth_key: "k3y",
      authKey: "k3y",
      keys: { secret: "s3cret", Signature: "s1g" },
      items: [{ signature: "s1g", id: 1 }],
      cleared: { token: null }
    }
    const error = Errors.fromResponse({ status: 400, body })
    assert.deepStrictEqual(error._tag === "BadRequest" && error.body, {
      token: "<redacted>",
      session: { Session_Token: "<redacted>", user_id: 5 },
      user: { login: "cubeuser", password: "<redacted>", old_password: "<redacted>" },
      auth_key: "<redacted>",
      authKey: "<redacted>",
      keys: { secret: "<redacted>", Signature: "<redacted>" },
      items: [{ signature: "<redacted>", id: 1 }],
      cleared: { token: null }
    })
    for (const secret of ["t0k3n", "pw", "k3y", "s3cret", "s1g"]) assert.notInclude(JSON.stringify(error), secret)
  })

  it("drops what is nested too deep to read rather than keeping it unredacted", () => {
    let body: unknown = { token: "s3cret", note: "x" }
    for (let i = 0; i < 12; i++) body = { nested: body, [`level${i}`]: i, ...(i === 0 ? { password: "pw" } : {}) }
    const error = Errors.fromResponse({ status: 400, body })
    assert.notInclude(JSON.stringify(error), "s3cret")
    assert.notInclude(JSON.stringify(error), "\"pw\"")
    assert.include(JSON.stringify(error), "<too deep>")
    // the shallow part is kept as it was
    assert.strictEqual(error._tag === "BadRequest" && (error.body as { level11: number }).level11, 11)
  })

  it("reads the server's messages from either errors form, and cuts a text body to 200 characters", () => {
    const flat = Errors.fromResponse({ status: 422, body: { errors: ["login is taken", "email is invalid"] } })
    assert.deepStrictEqual(flat._tag === "ValidationError" && flat.errors, { base: ["login is taken", "email is invalid"] })
    assert.include(flat.message, "(422): login is taken; email is invalid.")
    const html = Errors.fromResponse({ status: 502, body: `  ${"x".repeat(300)}  ` })
    assert.strictEqual(html.message, `server error (502). Server said: ${"x".repeat(200)}.`)
  })

  it.effect("round-trips through its Schema (the wire form keeps _tag)", () =>
    Effect.gen(function*() {
      const error = Errors.fromResponse({
        status: 422,
        body: { errors: { login: ["has already been taken"] } },
        request: { method: "POST", path: "/users.json" }
      })
      const encoded = yield* Schema.encodeEffect(Errors.CubeError)(error)
      const decoded = yield* Schema.decodeUnknownEffect(Errors.CubeError)(JSON.parse(JSON.stringify(encoded)))
      assert.strictEqual(decoded._tag, "ValidationError")
      assert.instanceOf(decoded, Errors.ValidationError)
      assert.instanceOf(decoded, Error)
      assert.include(decoded.message, "login has already been taken")
    }))

  it("InvalidInput names the field and never the value", () => {
    const e = new Errors.InvalidInput({ field: "password", reason: "must not be empty" })
    assert.strictEqual(e.message, "invalid input: password: must not be empty. Nothing was sent.")
  })
})

describe("wire schemas", () => {
  it.effect("decode every user variant of the seed and the reference", () =>
    Effect.gen(function*() {
      const guest = yield* Schema.decodeUnknownEffect(User.User)({
        _id: "6412fe76d6600d1d3d67877c", id: 900266, login: "guest_login_728A", full_name: "Awesome Smith",
        is_guest: true, last_request_at: null, timezone: null, email: null, phone: "", website: null,
        twitter_id: null, external_user_id: null, facebook_id: null, custom_data: null, user_tags: null,
        avatar: null, external_id: null
      })
      assert.strictEqual(guest.is_guest, true)
      const signedUp = yield* Schema.decodeUnknownEffect(User.User)({ id: 81, avatar: "", user_tags: "iphone,apple", blob_id: null })
      assert.deepStrictEqual(User.tags(signedUp), ["iphone", "apple"])
      assert.deepStrictEqual(User.tags({ user_tags: ["a"] }), ["a"])
      const session = yield* Schema.decodeUnknownEffect(Session.SessionEnvelope)({
        session: { application_id: 1, created_at: "2018-10-01T10:47:01Z", device_id: null, id: 151, nonce: 4214611091,
          token: "5a7bc95d85c0eb2bf052be3d29d3df523081e80y", ts: 1542560252, updated_at: "2018-10-01T10:47:01Z", user_id: null }
      })
      assert.isFalse(Session.isUserSession(session.session))
      assert.isTrue(Session.isUserSession({ user_id: 81 }))
      for (const user_id of [0, -1, null, undefined]) assert.isFalse(Session.isUserSession({ user_id }), String(user_id))
    }))
})
