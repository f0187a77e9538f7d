import { assert, describe, it } from "@effect/vitest"
import { CubeHttpClient, Session } from "@connectycube-effect/http"
import { Errors } from "@connectycube-effect/core"
import { Deferred, Effect, Exit, Fiber, Redacted } from "effect"
import { HttpClientError, HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"
import { appSessionBody, cubeLayer, fakeHttp } from "./fake.js"

const send = (request: CubeHttpClient.Request, token?: string) =>
  Effect.flatMap(CubeHttpClient.CubeHttpClient, (client) =>
    client.send(request, token === undefined ? undefined : Redacted.make(token)))

describe("CubeHttpClient", () => {
  describe("URL and header rules", () => {
    it.effect("POST /session.json: JSON body, CB-SDK, no token even when one is held", () => {
      const http = fakeHttp(() => ({ status: 201, body: appSessionBody("T1") }))
      return Effect.gen(function*() {
        const session = yield* Session.Session
        const created = yield* session.create()
        assert.strictEqual(created.token, "T1")
        yield* session.create()
        const [first, second] = http.requests
        assert.strictEqual(first.method, "POST")
        assert.strictEqual(first.url, "http://cube.test/session.json")
        assert.strictEqual(first.headers["content-type"], "application/json")
        assert.strictEqual(first.headers["cb-sdk"], CubeHttpClient.SDK_HEADER)
        assert.deepStrictEqual(JSON.parse(first.body!), { application_id: 1, auth_key: "secret-auth-key" })
        assert.isUndefined(second.headers["cb-token"])
        assert.isUndefined(second.headers["cb-authkey"])
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("GET carries CB-Token and the sorted bracket query; no body, no content type", () => {
      const http = fakeHttp(() => ({ status: 200, body: { ok: true } }))
      return Effect.gen(function*() {
        yield* send({ method: "GET", path: "users/v2", query: { limit: 10, offset: 50, id: { in: [1, 2] } } }, "TOK")
        const [req] = http.requests
        assert.strictEqual(req.url, "http://cube.test/users/v2.json?id[in][]=1&id[in][]=2&limit=10&offset=50")
        assert.strictEqual(req.headers["cb-token"], "TOK")
        assert.isUndefined(req.headers["content-type"])
        assert.isUndefined(req.body)
        // no tracing headers: they would trigger CORS preflights against the API
        assert.isUndefined(req.headers["traceparent"])
        assert.isUndefined(req.headers["b3"])
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("CB-AuthKey only for session-or-auth-key calls without a token", () => {
      const http = fakeHttp(() => ({ status: 201, body: { user: { id: 1 } } }))
      return Effect.gen(function*() {
        yield* send({ method: "POST", path: "users", body: { user: { login: "a" } }, auth: "session-or-auth-key" })
        yield* send({ method: "POST", path: "users", body: { user: { login: "a" } }, auth: "session-or-auth-key" }, "T")
        yield* send({ method: "GET", path: "users/1" })
        assert.strictEqual(http.requests[0].headers["cb-authkey"], "secret-auth-key")
        assert.isUndefined(http.requests[0].headers["cb-token"])
        assert.strictEqual(http.requests[1].headers["cb-token"], "T")
        assert.isUndefined(http.requests[1].headers["cb-authkey"])
        assert.isUndefined(http.requests[2].headers["cb-authkey"])
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("auth \"none\" never carries the token or the auth key, even when given one", () => {
      const http = fakeHttp(() => ({ status: 201, body: appSessionBody("T1") }))
      return Effect.gen(function*() {
        yield* send({ method: "POST", path: "session", body: {}, auth: "none" }, "HELD")
        assert.isUndefined(http.requests[0]!.headers["cb-token"])
        assert.isUndefined(http.requests[0]!.headers["cb-authkey"])
        assert.strictEqual(http.requests[0]!.headers["cb-sdk"], CubeHttpClient.SDK_HEADER)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("CB-Token-ExpirationDate without a Date header is taken as it is", () => {
      const http = fakeHttp(() => ({ status: 200, body: {}, headers: { "cb-token-expirationdate": "2030-01-01 00:10:00 UTC" } }))
      return Effect.gen(function*() {
        const response = yield* send({ method: "GET", path: "session" }, "T")
        assert.strictEqual(response.tokenExpiresAt, Date.UTC(2030, 0, 1, 0, 10, 0))
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("a trailing slash in apiUrl does not double the slash", () => {
      const http = fakeHttp(() => ({ status: 200, body: {} }))
      return Effect.gen(function*() {
        yield* send({ method: "GET", path: "session" }, "T")
        assert.strictEqual(http.requests[0].url, "http://127.0.0.1:8080/api/session.json")
      }).pipe(Effect.provide(cubeLayer(http.layer, { apiUrl: "http://127.0.0.1:8080/api/" })))
    })
  })

  describe("error mapping", () => {
    const cases: Array<[number, unknown, string]> = [
      [401, { errors: { base: ["Required session does not exist"] } }, "SessionExpired"],
      [401, { errors: ["Token is required"] }, "Unauthorized"],
      [403, { errors: { base: ["Forbidden. Need user."] } }, "Forbidden"],
      [404, { errors: { base: ["Entity you are looking for was not found."] } }, "NotFound"],
      [422, { errors: { login: ["has already been taken"] } }, "ValidationError"],
      [429, { errors: { base: ["Too Many Requests"] } }, "RateLimited"],
      [500, "<html>Internal Server Error</html>", "ServerError"],
      [400, { errors: ["bad"] }, "BadRequest"],
      [408, "", "Timeout"]
    ]
    for (const [status, body, tag] of cases) {
      it.effect(`${status} → ${tag}`, () => {
        const http = fakeHttp(() => ({ status, body }))
        return Effect.gen(function*() {
          const error = yield* Effect.flip(send({ method: "POST", path: "users", body: {} }, "T"))
          assert.strictEqual(error._tag, tag)
          assert.isTrue(Errors.isCubeError(error))
          assert.instanceOf(error, Error)
          if (error._tag === "ValidationError") {
            assert.deepStrictEqual(error.errors, { login: ["has already been taken"] })
            assert.include(error.message, "login has already been taken")
          }
          if ("request" in error && error.request) assert.deepStrictEqual(error.request, { method: "POST", path: "/users.json" })
        }).pipe(Effect.provide(cubeLayer(http.layer)))
      })
    }

    it.effect("network failure → TransportError; 2xx with a wrong body → DecodeError without the body", () => {
      const http = fakeHttp((_, n) => n === 1 ? "network-error" : { status: 201, body: { session: { token: "LEAK" } } })
      return Effect.gen(function*() {
        const transport = yield* Effect.flip(send({ method: "POST", path: "x" }))
        assert.strictEqual(transport._tag, "TransportError")
        const decode = yield* Effect.flip(Effect.flatMap(Session.Session, (s) => s.create()))
        assert.strictEqual(decode._tag, "DecodeError")
        assert.notInclude(decode.message, "LEAK")
        assert.notInclude(JSON.stringify(decode), "LEAK")
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("error bodies are redacted", () => {
      const http = fakeHttp(() => ({ status: 422, body: { errors: { base: ["x"] }, token: "SECRET", user: { password: "pw" } } }))
      return Effect.gen(function*() {
        const error = yield* Effect.flip(send({ method: "POST", path: "x" }, "T"))
        const json = JSON.stringify(error)
        assert.notInclude(json, "SECRET")
        assert.notInclude(json, "\"pw\"")
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })
  })

  describe("transient retry", () => {
    it.effect("a GET is retried on 503 with backoff and succeeds", () => {
      const http = fakeHttp((_, n) => n < 3 ? { status: 503 } : { status: 200, body: { ok: 1 } })
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(send({ method: "GET", path: "users/v2" }, "T"))
        yield* TestClock.adjust("10 seconds")
        const response = yield* Fiber.join(fiber)
        assert.deepStrictEqual(response.body, { ok: 1 })
        assert.strictEqual(http.requests.length, 3)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("the backoff doubles up to maxDelay and stays there", () => {
      const http = fakeHttp((_, n) => n < 5 ? { status: 503 } : { status: 200, body: { ok: 1 } })
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(send({ method: "GET", path: "users/v2" }, "T"))
        // 4 pauses of 1, 2, 2, 2 s (±25 %) end by 8.75 s; doubling without the cap (1, 2, 4, 8 s) would take 11.25 s at least
        yield* TestClock.adjust("9 seconds")
        assert.strictEqual(http.requests.length, 5)
        assert.deepStrictEqual((yield* Fiber.join(fiber)).body, { ok: 1 })
      }).pipe(Effect.provide(cubeLayer(http.layer, { retry: { times: 4, baseDelay: "1 second", maxDelay: "2 seconds" } })))
    })

    it.effect("a POST is never retried on 5xx or network errors", () => {
      const http = fakeHttp(() => ({ status: 503 }))
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(Effect.flip(send({ method: "POST", path: "users", body: {} }, "T")))
        yield* TestClock.adjust("1 minute")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "ServerError")
        assert.strictEqual(http.requests.length, 1)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("Retry-After is respected: no retry before it elapses", () => {
      const http = fakeHttp((_, n) =>
        n === 1 ? { status: 429, headers: { "retry-after": "7" } } : { status: 200, body: { ok: 1 } }
      )
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(send({ method: "GET", path: "users/v2" }, "T"))
        yield* TestClock.adjust("6 seconds")
        assert.strictEqual(http.requests.length, 1)
        yield* TestClock.adjust("2 seconds")
        yield* Fiber.join(fiber)
        assert.strictEqual(http.requests.length, 2)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("a Retry-After beyond the cap fails at once with RateLimited", () => {
      const http = fakeHttp(() => ({ status: 429, headers: { "retry-after": "3600" } }))
      return Effect.gen(function*() {
        const error = yield* Effect.flip(send({ method: "GET", path: "users/v2" }, "T"))
        assert.strictEqual(error._tag, "RateLimited")
        if (error._tag === "RateLimited") assert.strictEqual(error.retryAfterMs, 3_600_000)
        assert.strictEqual(http.requests.length, 1)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("attempts are bounded and 4xx are not retried", () => {
      const http = fakeHttp((req) => req.url.includes("a") ? { status: 500 } : { status: 404 })
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(Effect.flip(send({ method: "GET", path: "a" }, "T")))
        yield* TestClock.adjust("1 minute")
        assert.strictEqual((yield* Fiber.join(fiber))._tag, "ServerError")
        assert.strictEqual(http.requests.length, 3)
        yield* Effect.flip(send({ method: "GET", path: "n" }, "T"))
        assert.strictEqual(http.requests.length, 4)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("no retry after the call's timeout: the call fails with Timeout", () => {
      const http = fakeHttp(() => ({ status: 503 }))
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(Effect.flip(send({ method: "GET", path: "users/v2", timeout: "500 millis" }, "T")))
        yield* TestClock.adjust("1 minute")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "Timeout")
        assert.strictEqual(http.requests.length, 2)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })
  })

  describe("the deadline", () => {
    const hanging = () => {
      const state = { aborted: false }
      const http = fakeHttp(() => Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (state.aborted = true)))))
      return { http, state }
    }

    it.effect("a call that outlives its timeout fails with Timeout and its request is aborted", () => {
      const { http, state } = hanging()
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(Effect.flip(send({ method: "GET", path: "users/v2", timeout: "30 millis" }, "T")))
        yield* TestClock.adjust("29 millis")
        assert.isUndefined(fiber.pollUnsafe())
        yield* TestClock.adjust("1 millis")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "Timeout")
        if (error._tag === "Timeout") assert.strictEqual(error.timeoutMs, 30)
        yield* TestClock.adjust("20 millis")
        assert.isTrue(state.aborted)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("the default timeout is the configured one (30 s)", () => {
      const { http, state } = hanging()
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(Effect.flip(send({ method: "GET", path: "users/v2" }, "T")))
        yield* TestClock.adjust("29 seconds")
        assert.isUndefined(fiber.pollUnsafe())
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "Timeout")
        if (error._tag === "Timeout") assert.strictEqual(error.timeoutMs, 30_000)
        assert.isTrue(state.aborted)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("a retry pause that would end past the deadline: Timeout when the deadline passes, no other request", () => {
      const http = fakeHttp(() => ({ status: 503 }))
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(Effect.flip(send({ method: "GET", path: "users/v2", timeout: "150 millis" }, "T")))
        yield* TestClock.adjust("149 millis")
        assert.isUndefined(fiber.pollUnsafe())
        yield* TestClock.adjust("1 millis")
        assert.strictEqual((yield* Fiber.join(fiber))._tag, "Timeout")
        yield* TestClock.adjust("10 seconds")
        assert.strictEqual(http.requests.length, 1)
      }).pipe(Effect.provide(cubeLayer(http.layer, { retry: { baseDelay: "2 seconds" } })))
    })

    it.effect("an answer before the deadline wins", () => {
      const http = fakeHttp(() => ({ status: 200, body: { ok: true } }))
      return Effect.gen(function*() {
        const response = yield* send({ method: "GET", path: "users/v2", timeout: "10 seconds" }, "T")
        assert.deepStrictEqual(response.body, { ok: true })
        const quick = yield* send({ method: "GET", path: "users/v2", timeout: "30 millis" }, "T")
        assert.deepStrictEqual(quick.body, { ok: true })
        yield* TestClock.adjust("50 millis")
        assert.strictEqual(http.requests.length, 2)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    // Effect's own clock arms a real timer for the deadline: the answer must clear it (a ref'd timer would keep
    // the process alive for the whole timeout). No real time passes here.
    it.live("on effect's own clock, an answer clears the deadline's timer at once", () => {
      const http = fakeHttp(() => ({ status: 200, body: { ok: true } }))
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length
      return Effect.gen(function*() {
        const before = timers()
        const response = yield* send({ method: "GET", path: "users/v2", timeout: "10 seconds" }, "T")
        assert.deepStrictEqual(response.body, { ok: true })
        assert.strictEqual(timers(), before)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })

    it.effect("interrupting the caller aborts the request at once", () => {
      const { http, state } = hanging()
      return Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(send({ method: "GET", path: "users/v2", timeout: "10 seconds" }, "T"))
        yield* TestClock.adjust("10 millis")
        yield* Fiber.interrupt(fiber)
        const exit = yield* Fiber.await(fiber)
        assert.isTrue(Exit.hasInterrupts(exit))
        assert.isTrue(state.aborted)
      }).pipe(Effect.provide(cubeLayer(http.layer)))
    })
  })

  it.effect("interrupting a call aborts the request", () => {
    let aborted = false
    return Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const http = fakeHttp(() =>
        Effect.andThen(
          Deferred.succeed(started, undefined),
          Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (aborted = true))))
        )
      )
      const fiber = yield* Effect.forkChild(send({ method: "GET", path: "users/v2" }, "T").pipe(Effect.provide(cubeLayer(http.layer))))
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.hasInterrupts(exit))
      assert.isTrue(aborted)
    })
  })
})

describe("CubeHttpClient.transportError", () => {
  const request = HttpClientRequest.get("http://127.0.0.1:1/session.json")
  const info = { method: "GET", path: "/session.json" }

  it("adds the cause's own cause, where fetch keeps the errno", () => {
    const cause = new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") })
    const error = CubeHttpClient.transportError(
      new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) }),
      info
    )
    assert.strictEqual(error.description, "fetch failed: connect ECONNREFUSED 127.0.0.1:1")
    assert.strictEqual(error.reason, "Transport")
    assert.deepStrictEqual(error.request, info)
  })

  it("keeps a message that already says it, and a cause without one", () => {
    const said = new Error("connect ECONNREFUSED 127.0.0.1:1", { cause: new Error("ECONNREFUSED") })
    assert.strictEqual(
      CubeHttpClient.transportError(
        new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause: said }) }),
        info
      ).description,
      "connect ECONNREFUSED 127.0.0.1:1"
    )
    const plain = CubeHttpClient.transportError(
      new HttpClientError.HttpClientError({ reason: new HttpClientError.InvalidUrlError({ request, description: "bad url" }) }),
      info
    )
    assert.strictEqual(plain.description, "bad url")
    assert.strictEqual(plain.reason, "InvalidUrl")
  })
})
