import { assert, describe, it } from "@effect/vitest"
import { Session, SessionStore } from "@connectycube-effect/http"
import { Deferred, Effect, Fiber, Layer, Option, Result, Stream } from "effect"
import { KeyValueStore } from "effect/persistence"
import { TestClock } from "effect/testing"
import { appSessionBody, cubeLayer, expiredBody, fakeHttp } from "./fake.js"

const userSession = (token: string, userId = 81) => ({
  session: {
    id: userId, application_id: 1, token, user_id: userId,
    user: { id: userId, login: "cubeuser", full_name: "John Smith", avatar: "", user_tags: null }
  }
})

/** A fake server: sessions issue tokens T1, T2, …; other calls succeed only with the latest token. */
const server = (options: { failCreate?: (n: number) => boolean } = {}) => {
  let issued = 0
  let valid = ""
  let creates = 0
  const http = fakeHttp((req) => {
    if (req.url.endsWith("/session.json") && req.method === "POST") {
      creates++
      if (options.failCreate?.(creates)) return { status: 503 }
      valid = `T${++issued}`
      const body = JSON.parse(req.body!)
      return { status: 201, body: body.user ? userSession(valid) : appSessionBody(valid) }
    }
    if (req.headers["cb-token"] !== valid) return { status: 401, body: expiredBody }
    if (req.url.endsWith("/login.json")) {
      return req.method === "POST" ? { status: 202, body: { user: { id: 81, login: "cubeuser" } } } : { status: 200 }
    }
    return { status: 200, body: { ok: req.headers["cb-token"] } }
  })
  return { http, creates: () => creates, expire: () => (valid = "none") }
}

const call = Effect.flatMap(Session.Session, (s) => s.execute({ method: "GET", path: "users/v2" }))

describe("Session", () => {
  it.effect("creates an application session on demand, once", () => {
    const s = server()
    return Effect.gen(function*() {
      yield* Effect.all([call, call, call], { concurrency: "unbounded" })
      assert.strictEqual(s.creates(), 1)
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("1000 concurrent calls on an expired token cause exactly one POST /session", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      yield* session.create({ login: "cubeuser", password: "awesomepwd" })
      s.expire()
      const results = yield* Effect.all(Array.from({ length: 1000 }, () => call), { concurrency: "unbounded" })
      assert.strictEqual(s.creates(), 2)
      assert.isTrue(results.every((r) => (r.body as any).ok === "T2"))
      // re-created with the same (user) credentials
      const last = s.http.requests.filter((r) => r.method === "POST").at(-1)!
      assert.deepStrictEqual(JSON.parse(last.body!).user, { login: "cubeuser", password: "awesomepwd" })
      assert.strictEqual(Option.getOrThrow(yield* session.current).userId, 81)
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("a failed re-creation fails every waiter, is not cached, and the next call tries again", () => {
    const s = server({ failCreate: (n) => n === 2 })
    return Effect.gen(function*() {
      const session = yield* Session.Session
      yield* session.create()
      s.expire()
      const results = yield* Effect.all(Array.from({ length: 50 }, () => Effect.result(call)), {
        concurrency: "unbounded"
      })
      assert.strictEqual(s.creates(), 2)
      assert.isTrue(results.every((r) => Result.isFailure(r) && r.failure._tag === "ServerError"))
      const ok = yield* call
      assert.strictEqual((ok.body as any).ok, "T2")
      assert.strictEqual(s.creates(), 3)
    }).pipe(Effect.provide(cubeLayer(s.http.layer, { retry: { times: 0 } })))
  })

  it.effect("renews before sending once the tracked expiry (2 h sliding) has passed", () => {
    const s = server()
    return Effect.gen(function*() {
      yield* call
      yield* TestClock.adjust("118 minutes")
      yield* call // slides the expiry
      yield* TestClock.adjust("118 minutes")
      yield* call
      assert.strictEqual(s.creates(), 1)
      yield* TestClock.adjust("2 hours")
      const events = yield* Effect.forkChild(
        Effect.flatMap(Session.Session, (session) => Stream.runCollect(Stream.take(session.events, 1)))
      )
      yield* Effect.yieldNow
      const before = s.http.requests.length
      const renewed = yield* call
      assert.strictEqual(s.creates(), 2)
      // renewed before sending: the new session first, then the call once, with the new token (no T1
      // attempt, no 401 round trip)
      const sent = s.http.requests.slice(before)
      assert.deepStrictEqual(
        sent.map((r) => [r.method, r.url.replace(/^.*\/\/[^/]+/, ""), r.headers["cb-token"]]),
        [["POST", "/session.json", undefined], ["GET", "/users/v2.json", "T2"]]
      )
      assert.strictEqual((renewed.body as any).ok, "T2")
      const [event] = yield* Fiber.join(events)
      assert.strictEqual(event._tag, "Renewed")
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("uses CB-Token-ExpirationDate relative to the server's Date header", () => {
    let sent = 0
    const http = fakeHttp((req) => {
      if (req.method === "POST") return { status: 201, body: appSessionBody(`T${++sent}`) }
      return {
        status: 200,
        body: {},
        headers: { "cb-token-expirationdate": "2030-01-01 00:10:00 UTC", date: "Tue, 01 Jan 2030 00:00:00 GMT" }
      }
    })
    return Effect.gen(function*() {
      const session = yield* Session.Session
      yield* call
      const info = Option.getOrThrow(yield* session.current)
      assert.strictEqual(info.expiresAt, 10 * 60 * 1000)
    }).pipe(Effect.provide(cubeLayer(http.layer)))
  })

  it.effect("a token set from elsewhere is not re-created: SessionExpired, Expired event", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      const events: Array<string> = []
      const listener = yield* Effect.forkChild(Stream.runForEach(session.events, (e) => Effect.sync(() => events.push(e._tag))))
      yield* Effect.yieldNow
      yield* session.setSession({ token: "FOREIGN", user_id: 5 })
      const error = yield* Effect.flip(call)
      assert.strictEqual(error._tag, "SessionExpired")
      assert.strictEqual(s.creates(), 0)
      yield* Effect.yieldNow
      yield* Fiber.interrupt(listener)
      assert.include(events, "Expired")
      assert.notInclude(events, "Renewed")
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("the sessionExpired hook decides: retry(session) re-sends, handleResponse() gives up", () => {
    const s = server()
    let mode: "retry" | "giveup" = "retry"
    let calls = 0
    const layer = cubeLayer(s.http.layer, {
      onSessionExpired: (handleResponse, retry) => {
        calls++
        if (mode === "giveup") return handleResponse()
        setTimeout(() => retry({ token: "T1" }), 1)
      }
    })
    return Effect.gen(function*() {
      yield* Effect.flatMap(Session.Session, (session) => session.setSession({ token: "OLD" }))
      // the hook's retry hands over a token the fake accepts (T1 is issued by this create)
      yield* Effect.flatMap(Session.Session, (session) => session.create())
      yield* Effect.flatMap(Session.Session, (session) => session.setSession({ token: "OLD" }))
      const ok = yield* call
      assert.strictEqual((ok.body as any).ok, "T1")
      mode = "giveup"
      yield* Effect.flatMap(Session.Session, (session) => session.setSession({ token: "OLD" }))
      const error = yield* Effect.flip(call)
      assert.strictEqual(error._tag, "SessionExpired")
      assert.strictEqual(calls, 2)
    }).pipe(Effect.provide(layer))
  }, { timeout: 5000 })

  it.effect("invalid credential forms are rejected before anything is sent", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      const bad: Array<unknown> = [
        { login: "x" },
        { login: "x", password: "" },
        { email: "not-an-email", password: "p" },
        { provider: "facebook" },
        { provider: "firebase_phone", firebase_phone: { project_id: "p" } },
        { provider: "myspace", keys: { token: "t" } },
        { guest: "0" },
        { password: "p" }
      ]
      for (const input of bad) {
        const error = yield* Effect.flip(session.create(input as any))
        assert.strictEqual(error._tag, "InvalidInput", JSON.stringify(input))
      }
      const guestLogin = yield* Effect.flip(session.login({ guest: "1" }))
      assert.strictEqual(guestLogin._tag, "InvalidInput")
      assert.strictEqual(s.http.requests.length, 0)
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("the flat firebase form of the seed is sent nested", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      yield* session.create({ provider: "firebase_phone", "firebase_phone[project_id]": "p1", "firebase_phone[access_token]": "tok" })
      assert.deepStrictEqual(JSON.parse(s.http.requests[0].body!), {
        application_id: 1,
        auth_key: "secret-auth-key",
        provider: "firebase_phone",
        firebase_phone: { project_id: "p1", access_token: "tok" }
      })
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("login upgrades, logout downgrades, destroy forgets; events in order", () => {
    const http = fakeHttp((req) => {
      if (req.method === "POST" && req.url.endsWith("/session.json")) return { status: 201, body: appSessionBody("A") }
      if (req.url.endsWith("/login.json") && req.method === "POST") return { status: 202, body: { user: { id: 47592, login: "johnsmith" } } }
      return { status: 200 }
    })
    return Effect.gen(function*() {
      const session = yield* Session.Session
      const collected = yield* Effect.forkChild(Stream.runCollect(Stream.take(session.events, 4)))
      yield* Effect.yieldNow
      yield* session.create()
      const user = yield* session.login({ login: "johnsmith", password: "awesomepwd" })
      assert.strictEqual(user.id, 47592)
      assert.strictEqual(Option.getOrThrow(yield* session.current).kind, "user")
      yield* session.logout
      assert.strictEqual(Option.getOrThrow(yield* session.current).kind, "application")
      yield* session.destroy
      assert.isTrue(Option.isNone(yield* session.current))
      const tags = (yield* Fiber.join(collected)).map((e) => e._tag)
      assert.deepStrictEqual(tags, ["Created", "Upgraded", "Downgraded", "Destroyed"])
      assert.deepStrictEqual(JSON.parse(http.requests[1].body!), { login: "johnsmith", password: "awesomepwd" })
      assert.strictEqual(http.requests[1].headers["cb-token"], "A")
      assert.deepStrictEqual(http.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`), [
        "POST /session.json",
        "POST /login.json",
        "DELETE /login.json",
        "DELETE /session.json"
      ])
      assert.notInclude(JSON.stringify(tags), "A\"")
    }).pipe(Effect.provide(cubeLayer(http.layer)))
  })

  it.effect("a KeyValueStore-backed store resumes the session in a new layer", () => {
    const s = server()
    const kv = KeyValueStore.layerMemory
    return Effect.gen(function*() {
      const store = yield* KeyValueStore.KeyValueStore
      const storeLayer = SessionStore.layerKeyValueStore().pipe(Layer.provide(Layer.succeed(KeyValueStore.KeyValueStore, store)))
      const first = cubeLayer(s.http.layer).pipe(Layer.provide(storeLayer))
      yield* Effect.flatMap(Session.Session, (session) => session.create({ login: "cubeuser", password: "pw" })).pipe(
        Effect.provide(first)
      )
      const raw = yield* store.get("connectycube-session")
      assert.isDefined(raw)
      assert.notInclude(raw!, "pw")
      // a "restart": a new layer, same store
      const second = cubeLayer(s.http.layer).pipe(Layer.provide(storeLayer))
      const result = yield* call.pipe(Effect.provide(second))
      assert.strictEqual((result.body as any).ok, "T1")
      assert.strictEqual(s.creates(), 1)
    }).pipe(Effect.provide(kv))
  })
  it.effect("renews renewBefore ahead of the tracked expiry (default 1 minute), with the new token and no 401", () => {
    const s = server()
    return Effect.gen(function*() {
      yield* call
      yield* TestClock.adjust("119 minutes") // the token has a minute left: renewed now
      const renewed = yield* call
      assert.strictEqual((renewed.body as any).ok, "T2")
      assert.strictEqual(s.creates(), 2)
      // POST /session, the first call, POST /session, the call with the new token: no 401 round trip
      assert.deepStrictEqual(s.http.requests.map((r) => r.headers["cb-token"] ?? "-"), ["-", "T1", "-", "T2"])
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("the renewBefore option moves the renewal earlier", () => {
    const s = server()
    return Effect.gen(function*() {
      yield* call
      yield* TestClock.adjust("109 minutes")
      yield* call
      assert.strictEqual(s.creates(), 1)
      yield* TestClock.adjust("111 minutes") // 9 minutes left, fewer than renewBefore
      yield* call
      assert.strictEqual(s.creates(), 2)
    }).pipe(Effect.provide(cubeLayer(s.http.layer, { renewBefore: "10 minutes" })))
  })

  it.effect("events: an on-demand session is Created, then Renewed with reason \"lapsed\" (tracked expiry) or \"expired\" (401)", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      const events: Array<string> = []
      const listener = yield* Effect.forkChild(Stream.runForEach(session.events, (e) =>
        Effect.sync(() => events.push(e._tag === "Renewed" ? `Renewed:${e.reason}` : e._tag))))
      yield* Effect.yieldNow
      yield* call
      yield* TestClock.adjust("2 hours")
      yield* call
      s.expire()
      yield* call
      yield* Effect.yieldNow
      yield* Fiber.interrupt(listener)
      assert.deepStrictEqual(events, ["Created", "Renewed:lapsed", "Renewed:expired"])
      assert.strictEqual(s.creates(), 3)
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("a caller interrupted while the session is being created does not cancel it for the others", () => {
    let creates = 0
    const http = fakeHttp((req) => {
      if (req.method === "POST") {
        creates++
        return Effect.as(Effect.sleep("1 second"), { status: 201, body: appSessionBody("T1") })
      }
      return { status: 200, body: { ok: req.headers["cb-token"] } }
    })
    return Effect.gen(function*() {
      const first = yield* Effect.forkChild(call)
      yield* TestClock.adjust("100 millis") // the first caller started POST /session
      const second = yield* Effect.forkChild(call)
      yield* TestClock.adjust("100 millis")
      yield* Fiber.interrupt(first)
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(second)
      assert.strictEqual((result.body as any).ok, "T1")
      assert.strictEqual(creates, 1)
    }).pipe(Effect.provide(cubeLayer(http.layer)))
  })

  it.effect("a guest session is not re-created when it expires (that would be another guest): SessionExpired", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      yield* session.create({ guest: "1", full_name: "Guest" })
      assert.strictEqual(Option.getOrThrow(yield* session.current).recreateWith, "none")
      s.expire()
      const error = yield* Effect.flip(call)
      assert.strictEqual(error._tag, "SessionExpired")
      assert.strictEqual(s.creates(), 1)
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("autoCreate: false never creates a session by itself: the call goes out without a token", () => {
    const s = server()
    return Effect.gen(function*() {
      const error = yield* Effect.flip(call)
      assert.strictEqual(error._tag, "SessionExpired")
      assert.strictEqual(s.creates(), 0)
      assert.strictEqual(s.http.requests.length, 1)
      assert.isUndefined(s.http.requests[0]!.headers["cb-token"])
    }).pipe(Effect.provide(cubeLayer(s.http.layer, { autoCreate: false })))
  })

  it.effect("login makes expiry re-create the user session; after logout, an application session", () => {
    const s = server()
    const posted = () => s.http.requests.filter((r) => r.method === "POST" && r.url.endsWith("/session.json")).map((r) => JSON.parse(r.body!).user)
    return Effect.gen(function*() {
      const session = yield* Session.Session
      yield* session.create()
      yield* session.login({ login: "cubeuser", password: "awesomepwd" })
      assert.strictEqual(Option.getOrThrow(yield* session.current).recreateWith, "login")
      s.expire()
      yield* call
      assert.deepStrictEqual(posted(), [undefined, { login: "cubeuser", password: "awesomepwd" }])
      assert.strictEqual(Option.getOrThrow(yield* session.current).userId, 81)
      yield* session.logout
      assert.strictEqual(Option.getOrThrow(yield* session.current).recreateWith, "application")
      s.expire()
      yield* call
      // signed out stays signed out: the user is not signed in again behind the app's back
      assert.deepStrictEqual(posted(), [undefined, { login: "cubeuser", password: "awesomepwd" }, undefined])
      assert.strictEqual(Option.getOrThrow(yield* session.current).kind, "application")
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("credentialsChanged: a session re-created after expiry signs in with the new login and password", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      yield* session.create({ login: "cubeuser", password: "old-password" })
      yield* session.credentialsChanged({ login: "renamed", password: "new-password", email: "ignored@example.com" })
      s.expire()
      yield* call
      const last = s.http.requests.filter((r) => r.method === "POST").at(-1)!
      assert.deepStrictEqual(JSON.parse(last.body!).user, { login: "renamed", password: "new-password" })
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  it.effect("destroy of a session the server already expired succeeds and forgets it", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      yield* session.create()
      s.expire()
      yield* session.destroy
      assert.isTrue(Option.isNone(yield* session.current))
      assert.strictEqual(s.http.requests.at(-1)!.method, "DELETE")
    }).pipe(Effect.provide(cubeLayer(s.http.layer)))
  })

  describe("SessionStore", () => {
    const storeLayer = (store: KeyValueStore.KeyValueStore) =>
      SessionStore.layerKeyValueStore().pipe(Layer.provide(Layer.succeed(KeyValueStore.KeyValueStore, store)))
    const stored = (value: SessionStore.StoredSession) =>
      Layer.succeed(SessionStore.SessionStore, SessionStore.SessionStore.of({
        load: Effect.succeed(Option.some(value)),
        save: () => Effect.void,
        clear: Effect.void
      }))

    it.effect("destroy clears the store: a restart starts without a session", () => {
      const s = server()
      return Effect.gen(function*() {
        const store = yield* KeyValueStore.KeyValueStore
        yield* Effect.flatMap(Session.Session, (session) => Effect.andThen(session.create(), session.destroy)).pipe(
          Effect.provide(cubeLayer(s.http.layer).pipe(Layer.provide(storeLayer(store))))
        )
        assert.isUndefined(yield* store.get("connectycube-session"))
        const restarted = yield* Effect.flatMap(Session.Session, (session) => session.current).pipe(
          Effect.provide(cubeLayer(s.http.layer).pipe(Layer.provide(storeLayer(store))))
        )
        assert.isTrue(Option.isNone(restarted))
      }).pipe(Effect.provide(KeyValueStore.layerMemory))
    })

    it.effect("a re-created session is saved: after a restart the new token is used", () => {
      const s = server()
      return Effect.gen(function*() {
        const store = yield* KeyValueStore.KeyValueStore
        yield* Effect.flatMap(Session.Session, (session) => session.create({ login: "cubeuser", password: "pw" })).pipe(
          Effect.andThen(Effect.sync(() => s.expire())),
          Effect.andThen(call),
          Effect.provide(cubeLayer(s.http.layer).pipe(Layer.provide(storeLayer(store))))
        )
        assert.strictEqual(s.creates(), 2)
        // a user session is resumed as it is (its password is never stored): it only works if T2 was saved
        const result = yield* call.pipe(Effect.provide(cubeLayer(s.http.layer).pipe(Layer.provide(storeLayer(store)))))
        assert.strictEqual((result.body as any).ok, "T2")
        assert.strictEqual(s.creates(), 2)
      }).pipe(Effect.provide(KeyValueStore.layerMemory))
    })

    it.effect("a restored application session is re-created when it expires; a restored user session is not", () =>
      Effect.gen(function*() {
        const app = server()
        const result = yield* call.pipe(Effect.provide(cubeLayer(app.http.layer).pipe(Layer.provide(stored({
          token: "RESTORED", sessionId: 7, userId: null, kind: "application", expiresAt: 7_200_000
        })))))
        assert.strictEqual((result.body as any).ok, "T1")
        assert.strictEqual(app.http.requests[0]!.headers["cb-token"], "RESTORED")
        const user = server()
        const error = yield* Effect.flip(call).pipe(Effect.provide(cubeLayer(user.http.layer).pipe(Layer.provide(stored({
          token: "RESTORED", sessionId: 81, userId: 81, kind: "user", expiresAt: 7_200_000
        })))))
        assert.strictEqual(error._tag, "SessionExpired")
        assert.strictEqual(user.creates(), 0)
      }))

    it.effect("the store follows the slid expiry, at most once a minute: a restart keeps a session still alive", () => {
      const s = server()
      return Effect.gen(function*() {
        const store = yield* KeyValueStore.KeyValueStore
        const savedExpiry = Effect.flatMap(SessionStore.SessionStore, (st) => st.load).pipe(
          Effect.map((stored) => Option.getOrThrow(stored).expiresAt),
          Effect.provide(storeLayer(store))
        )
        const layer = cubeLayer(s.http.layer).pipe(Layer.provide(storeLayer(store)))
        yield* Effect.gen(function*() {
          yield* Effect.flatMap(Session.Session, (session) => session.create())
          const first = yield* savedExpiry
          yield* TestClock.adjust("30 seconds")
          yield* call
          assert.strictEqual(yield* savedExpiry, first, "less than a minute of slide: not written")
          yield* TestClock.adjust("90 minutes")
          yield* call
          assert.strictEqual(yield* savedExpiry, first + 30_000 + 90 * 60_000)
        }).pipe(Effect.provide(layer))
        // 2 h after creation the first expiry has passed, the slid one has not: the restored token is used as it is
        yield* TestClock.adjust("40 minutes")
        const result = yield* call.pipe(Effect.provide(layer))
        assert.strictEqual((result.body as any).ok, "T1")
        assert.strictEqual(s.creates(), 1)
      }).pipe(Effect.provide(KeyValueStore.layerMemory))
    })

    it.effect("a call answered after a renewal does not write the replaced token back to the store", () =>
      Effect.gen(function*() {
        const release = yield* Deferred.make<void>()
        const sent = yield* Deferred.make<void>()
        let issued = 0
        let valid = ""
        const http = fakeHttp((req) => {
          if (req.method === "POST") {
            valid = `T${++issued}`
            return { status: 201, body: appSessionBody(valid) }
          }
          // the slow call was accepted with T1; its answer comes after the renewal
          if (req.url.includes("/slow")) {
            return Effect.andThen(Deferred.succeed(sent, undefined), Effect.as(Deferred.await(release), { status: 200, body: {} }))
          }
          return req.headers["cb-token"] === valid ? { status: 200, body: {} } : { status: 401, body: expiredBody }
        })
        const store = yield* KeyValueStore.KeyValueStore
        const savedToken = Effect.flatMap(SessionStore.SessionStore, (st) => st.load).pipe(
          Effect.map((stored) => Option.getOrThrow(stored).token),
          Effect.provide(storeLayer(store))
        )
        yield* Effect.gen(function*() {
          const session = yield* Session.Session
          yield* session.create()
          yield* TestClock.adjust("5 minutes")
          const slow = yield* Effect.forkChild(session.execute({ method: "GET", path: "users/slow" }))
          yield* Deferred.await(sent)
          valid = "none" // T1 expires on the server: the next call renews
          yield* call
          assert.strictEqual(yield* savedToken, "T2")
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(slow)
          assert.strictEqual(yield* savedToken, "T2")
        }).pipe(Effect.provide(cubeLayer(http.layer).pipe(Layer.provide(storeLayer(store)))))
      }).pipe(Effect.provide(KeyValueStore.layerMemory)))

    it.effect("a stored value that does not parse is ignored: a new session is created", () => {
      const s = server()
      return Effect.gen(function*() {
        const store = yield* KeyValueStore.KeyValueStore
        yield* store.set("connectycube-session", "{not json")
        const result = yield* call.pipe(Effect.provide(cubeLayer(s.http.layer).pipe(Layer.provide(storeLayer(store)))))
        assert.strictEqual((result.body as any).ok, "T1")
      }).pipe(Effect.provide(KeyValueStore.layerMemory))
    })

    it.effect("the key option names the entry", () => {
      const s = server()
      return Effect.gen(function*() {
        const store = yield* KeyValueStore.KeyValueStore
        const layer = SessionStore.layerKeyValueStore({ key: "my-app" }).pipe(
          Layer.provide(Layer.succeed(KeyValueStore.KeyValueStore, store))
        )
        yield* Effect.flatMap(Session.Session, (session) => session.create()).pipe(
          Effect.provide(cubeLayer(s.http.layer).pipe(Layer.provide(layer)))
        )
        assert.isDefined(yield* store.get("my-app"))
        assert.isUndefined(yield* store.get("connectycube-session"))
      }).pipe(Effect.provide(KeyValueStore.layerMemory))
    })
  })
})
