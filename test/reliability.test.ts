/**
 * The reliability suite (issue "Benchmarks and the reliability suite"): faults injected through the
 * emulator on every endpoint — idempotent calls recover within their budget, non-idempotent calls are never
 * sent twice, every failure is typed — and a secrets scan: with debug logging and tracing on, no auth key,
 * password or token value appears in any log line, error message, span attribute or emulator request log.
 */
import { assert, describe, it } from "@effect/vitest"
import { Errors } from "@connectycube-effect/core"
import { Emulator } from "@connectycube-effect/emulator"
import { Cube, Session } from "@connectycube-effect/http"
import { Storage } from "@connectycube-effect/storage"
import { Users } from "@connectycube-effect/users"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import { Cause, Duration, Effect, Exit, Layer, Logger, Option, Redacted, References, Tracer } from "effect"

const AUTH_KEY = "reliability-auth-key-0f9e8d"

const withCube = <A, E>(
  emulator: Emulator.Service,
  program: Effect.Effect<A, E, Users.Users | Storage.Storage | Session.Session>,
  options: Partial<Cube.Options> = {}
) =>
  program.pipe(
    Effect.provide(
      Layer.mergeAll(Users.layer, Storage.layer).pipe(
        Layer.provideMerge(
          Cube.layer({ appId: 1, authKey: AUTH_KEY, apiUrl: emulator.url, retry: { baseDelay: "20 millis" }, ...options })
        ),
        Layer.provide(UndiciClient.layer)
      )
    )
  )

const emulatorLayer = Emulator.layer({ apps: [{ id: 1, authKey: AUTH_KEY }] })

const countRequests = (emulator: Emulator.Service, method: string, path: RegExp) =>
  Effect.map(emulator.requests, (log) => log.filter((r) => r.method === method && path.test(r.path)).length)

/** A signed-in user with a completed blob, for the endpoints that need them. */
const setup = (login: string) =>
  Effect.gen(function*() {
    const users = yield* Users.Users
    const session = yield* Session.Session
    const storage = yield* Storage.Storage
    yield* users.signup({ login, password: "reliable-password-1" })
    yield* session.create({ login, password: "reliable-password-1" })
    const blob = yield* storage.createAndUpload({ name: "r.txt", file: new TextEncoder().encode("hello"), type: "text/plain" })
    return blob
  })

describe("fault injection", () => {
  it.live("idempotent calls recover from 503, 429 + Retry-After and dropped connections on every endpoint", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* withCube(emulator, Effect.gen(function*() {
        const blob = yield* setup("faulty1")
        const users = yield* Users.Users
        const storage = yield* Storage.Storage
        const session = yield* Session.Session
        const me = Option.getOrThrow(yield* session.current).userId!
        const endpoints: Array<[string, string, RegExp, Effect.Effect<unknown, Errors.CubeError>]> = [
          ["users.getV2", "GET", /^\/users\/v2/, users.getV2({ login: "faulty1" })],
           
          ["users.get V1 by login", "GET", /^\/users\/by_login/, users.get({ login: "faulty1" })],
           
          ["users.get by id", "GET", new RegExp(`^/users/${me}`), users.get(me)],
          ["users.update (PUT)", "PUT", /^\/users\//, users.update({ full_name: "Faulty" })],
          ["session.get", "GET", /^\/session/, session.get],
          ["storage.get", "GET", new RegExp(`^/blobs/${blob.id}`), storage.get(blob.id)],
          ["storage.list", "GET", /^\/blobs(\.json)?$/, storage.list()]
        ]
        const faults: Array<[string, Record<string, unknown>]> = [
          ["503 twice", { status: 503, times: 2 }],
          ["429 with Retry-After: 1", { status: 429, retryAfter: 1, body: { errors: { base: ["Too Many Requests"] } } }],
          ["a dropped connection", { drop: true }],
          ["a slow answer (300 ms) within the timeout", { delayMs: 300 }]
        ]
        for (const [name, method, path, call] of endpoints) {
          for (const [what, fault] of faults) {
            yield* emulator.clearRequests
            yield* emulator.addFault({ method, path: path.source, regex: true, ...fault })
            const [took, exit] = yield* Effect.timed(Effect.exit(call))
            assert.isTrue(Exit.isSuccess(exit), `${name} did not recover from ${what}: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""}`)
            // the retry waits for Retry-After (the backoff alone is 20 ms); a slow answer is waited for, not retried
            const waitMs = (fault.retryAfter as number | undefined ?? 0) * 1000 + (fault.delayMs as number | undefined ?? 0)
            assert.isAtLeast(Duration.toMillis(took), waitMs * 0.95, `${name} retried before Retry-After: ${what}`)
            const attempts = yield* countRequests(emulator, method, path)
            const expected = fault.delayMs !== undefined ? 1 : (fault.times as number | undefined ?? 1) + 1
            assert.strictEqual(attempts, expected, `${name} after ${what}`)
          }
        }
      }))
    }).pipe(Effect.provide(emulatorLayer)), { timeout: 60_000 })

  it.live("non-idempotent calls (signup, blob create, session create) are never sent twice; failures are typed", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* withCube(emulator, Effect.gen(function*() {
        yield* setup("faulty2")
        const users = yield* Users.Users
        const storage = yield* Storage.Storage
        const session = yield* Session.Session
        const calls: Array<[string, RegExp, Effect.Effect<unknown, Errors.CubeError>]> = [
          ["/users", /^\/users(\.json)?$/, users.signup({ login: "never-twice", password: "password-123" })],
          ["/blobs", /^\/blobs(\.json)?$/, storage.createAndUpload({ name: "x.txt", file: new Uint8Array([1]), type: "text/plain" })],
          ["/session", /^\/session(\.json)?$/, session.create({ login: "faulty2", password: "reliable-password-1" })]
        ]
        for (const [path, re, call] of calls) {
          for (const fault of [{ status: 503 }, { drop: true }, { status: 500, body: "<html>oops</html>" }]) {
            yield* emulator.clearRequests
            yield* emulator.addFault({ method: "POST", path: re.source, regex: true, ...fault })
            const error = yield* Effect.flip(call)
            assert.isTrue(Errors.isCubeError(error), `${path}: untyped ${String(error)}`)
            assert.include(["ServerError", "TransportError"], error._tag)
            assert.strictEqual(yield* countRequests(emulator, "POST", re), 1, `${path} was sent twice after ${JSON.stringify(fault)}`)
          }
        }
      }))
    }).pipe(Effect.provide(emulatorLayer)), { timeout: 60_000 })

  it.live("a slow answer beyond the timeout is a typed Timeout (a POST not sent again); a retry budget that runs out is the last typed error", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* withCube(emulator, Effect.gen(function*() {
        yield* setup("faulty3")
        const users = yield* Users.Users
        yield* emulator.addFault({ method: "GET", path: "/users/v2", delayMs: 2_000 })
        const slow = yield* Effect.flip(users.getV2({ login: "faulty3" }))
        assert.strictEqual(slow._tag, "Timeout")
        // a non-idempotent call that times out is not sent again
        yield* emulator.clearRequests
        yield* emulator.addFault({ method: "POST", path: "/users", delayMs: 2_000 })
        const slowSignup = yield* Effect.flip(users.signup({ login: "slow-signup", password: "password-123" }))
        assert.strictEqual(slowSignup._tag, "Timeout")
        // the emulator logs it (499) once it sees the client hang up
        let sent = 0
        for (let i = 0; i < 100 && sent === 0; i++) {
          yield* Effect.sleep("10 millis")
          sent = yield* countRequests(emulator, "POST", /^\/users(\.json)?$/)
        }
        assert.strictEqual(sent, 1)
        yield* emulator.addFault({ method: "GET", path: "/users/v2", status: 502, times: 10 })
        const exhausted = yield* Effect.flip(users.getV2({ login: "faulty3" }))
        assert.strictEqual(exhausted._tag, "ServerError")
        assert.strictEqual((exhausted as Errors.ServerError).status, 502)
        yield* emulator.clearFaults
      }), { timeout: "700 millis" })
    }).pipe(Effect.provide(emulatorLayer)), { timeout: 60_000 })
})

describe("secrets", () => {
  it.live("no auth key, password or token in logs, spans, errors or the emulator's request log", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const logs: Array<string> = []
      const spans: Array<string> = []
      // every field of every log line: message, cause, annotations and log spans
      const logger = Logger.map(Logger.formatStructured, (entry) => {
        logs.push(JSON.stringify(entry))
      })
      const recorded: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span: (options) => {
          const span = new Tracer.NativeSpan(options)
          recorded.push(span)
          return span
        }
      })
      const passwords = ["first-secret-pw-1", "second-secret-pw-2"]
      const tokens: Array<string> = []
      const errors: Array<string> = []
      yield* withCube(emulator, Effect.gen(function*() {
        const users = yield* Users.Users
        const session = yield* Session.Session
        const storage = yield* Storage.Storage
        yield* users.signup({ login: "secretive", password: passwords[0]!, email: "s@example.com" })
        const created = yield* session.create({ login: "secretive", password: passwords[0]! })
        tokens.push(created.token)
        yield* users.update({ password: passwords[1]!, old_password: passwords[0]! })
        const blob = yield* storage.createAndUpload({ name: "s.txt", file: new TextEncoder().encode("s"), type: "text/plain" })
        yield* storage.download(blob.uid)
        yield* users.getV2({ login: "secretive" })
        // failures with secrets nearby: a wrong password, a bad old password, an expired session
        errors.push(String(yield* Effect.flip(session.create({ login: "secretive", password: "wrong-secret-pw-3" }))))
        errors.push(JSON.stringify(yield* Effect.flip(users.update({ password: "x-new-secret-4", old_password: "wrong-secret-pw-5" }))))
        yield* emulator.advanceClock(3 * 60 * 60 * 1000)
        yield* users.getV2({ login: "secretive" })
        tokens.push(Redacted.value(Option.getOrThrow(yield* session.token)))
        yield* Effect.logDebug("debug line with the session", yield* session.current)
        yield* session.destroy
      }).pipe(
        Effect.withTracer(tracer),
        Effect.provide(Logger.layer([logger])),
        Effect.provideService(References.MinimumLogLevel, "All")
      ))
      for (const span of recorded) {
        spans.push(JSON.stringify({
          name: span.name,
          attributes: [...span.attributes].map(([k, v]) => [k, String(v)]),
          events: span.events.map(([eventName, , attrs]) => ({ eventName, attrs }))
        }))
      }
      const requestLog = JSON.stringify(yield* emulator.requests)
      const secrets = [AUTH_KEY, ...passwords, "wrong-secret-pw-3", "x-new-secret-4", "wrong-secret-pw-5", ...tokens]
      assert.isAbove(spans.length, 10)
      // with a tracer installed, the platform's client spans are made (they are skipped only when nobody can see them);
      // Effect 4 names them by the method alone ("GET", was "http.client GET")
      assert.isTrue(spans.some((span) => span.includes(`"name":"GET"`)))
      assert.isAbove(tokens.length, 1)
      assert.notStrictEqual(tokens[0], tokens[1])
      for (const [where, text] of [["logs", logs.join("\n")], ["spans", spans.join("\n")], ["errors", errors.join("\n")], [
        "emulator request log",
        requestLog
      ]] as const) {
        for (const secret of secrets) {
          const at = text.indexOf(secret)
          assert.strictEqual(at, -1, `a secret leaked into the ${where}: …${text.slice(Math.max(0, at - 30), at + 300)}`)
        }
      }
    }).pipe(Effect.provide(emulatorLayer)), { timeout: 60_000 })
})
