// #region effect
import { Emulator } from "@connectycube-effect/emulator"
import { Cube, Session } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"

/** Runs `test` against a fresh emulator on a free port, with the SDK pointed at it. Both stop with the test's scope. */
const withEmulator = <A, E>(
  test: (emulator: Emulator.Service) => Effect.Effect<A, E, Users.Users | Session.Session>
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const CubeTest = Users.layer.pipe(
      Layer.provideMerge(Cube.layer({ appId: 1, authKey: "emulator-auth-key", apiUrl: emulator.url })),
      Layer.provide(FetchHttpClient.layer)
    )
    return yield* test(emulator).pipe(Effect.provide(CubeTest))
  })

describe("signup against the emulator", () => {
  // it.live: the real clock (the SDK's retry backoff sleeps on it); the emulator has its own clock
  it.live("signs up and finds the user", () =>
    withEmulator(() =>
      Effect.gen(function*() {
        const users = yield* Users.Users
        const user = yield* users.signup({ login: "marvin18", password: "supersecurepwd", tag_list: ["iphone", "apple"] })
        const page = yield* users.getV2({ login: "marvin18" })
        expect(page.items.map((u) => u.id)).toEqual([user.id])
        expect(user.user_tags).toBe("iphone,apple")
      })))
})
// #endregion effect

// #region promise
import { createClient } from "@connectycube-effect/promise"
import { afterAll, beforeAll, beforeEach } from "vitest"

describe("the promise adapter against the emulator", () => {
  let emulator: Emulator.Handle
  beforeAll(async () => {
    emulator = await Emulator.startEmulator()
  })
  afterAll(() => emulator.close())
  beforeEach(() => emulator.reset()) // every test starts from an empty database (the apps are kept)

  it("signs up, logs in, updates", async () => {
    await using cube = createClient({
      credentials: { appId: 1, authKey: "emulator-auth-key" },
      config: { endpoints: { api_url: emulator.url } }
    })
    await cube.users.signup({ login: "marvin18", password: "supersecurepwd" })
    await cube.login({ login: "marvin18", password: "supersecurepwd" })
    const { user } = await cube.users.update({ full_name: "Mar Sim" })
    expect(user.full_name).toBe("Mar Sim")
  })
})
// #endregion promise

// #region clock
import { Option } from "effect"

describe("session expiry", () => {
  it.live("2 hours later the next call still works, with exactly one new POST /session", () =>
    withEmulator((emulator) =>
      Effect.gen(function*() {
        const session = yield* Session.Session
        const users = yield* Users.Users
        yield* users.signup({ login: "sleeper", password: "sleeper-pwd" })
        const first = yield* session.create({ login: "sleeper", password: "sleeper-pwd" })

        yield* emulator.advanceClock(2 * 60 * 60 * 1000 + 1) // every session is now expired
        yield* emulator.clearRequests

        const pages = yield* Effect.all([users.getV2({ login: "sleeper" }), users.getV2({ login: "sleeper" })], {
          concurrency: "unbounded"
        })
        expect(pages.map((p) => p.total_entries)).toEqual([1, 1])
        const posts = (yield* emulator.requests).filter((r) => r.method === "POST" && r.path.startsWith("/session"))
        expect(posts).toHaveLength(1)
        expect(Option.getOrThrow(yield* session.current).userId).toBe(first.user_id) // the same user, a new token
      })))

  it.live("a session that cannot be re-created fails with SessionExpired", () =>
    withEmulator((emulator) =>
      Effect.gen(function*() {
        const session = yield* Session.Session
        const users = yield* Users.Users
        const app = yield* session.create()
        yield* session.setSession({ token: app.token }) // a token from elsewhere: no credentials to renew it
        // the same, over HTTP, for an emulator in another process: POST /__emulator/clock {"advanceMs": …}
        yield* Effect.promise(() =>
          fetch(`${emulator.url}/__emulator/clock`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ advanceMs: 3 * 60 * 60 * 1000 })
          })
        )
        const error = yield* Effect.flip(users.getV2({ login: "anyone" }))
        expect(error._tag).toBe("SessionExpired")
      })))
})
// #endregion clock

// #region faults
describe("fault injection", () => {
  it.live("idempotent calls are retried past 503s; a signup (POST) is not", () =>
    withEmulator((emulator) =>
      Effect.gen(function*() {
        const users = yield* Users.Users
        // the next 2 GET /users/v2 answer 503; the SDK retries twice with backoff
        yield* emulator.addFault({ method: "GET", path: "/users/v2", status: 503, times: 2 })
        const page = yield* users.getV2({ login: "marvin18" })
        expect(page.total_entries).toBe(0)

        yield* emulator.addFault({ method: "POST", path: "/users", status: 503 })
        const error = yield* Effect.flip(users.signup({ login: "marvin18", password: "supersecurepwd" }))
        expect(error._tag).toBe("ServerError")
      })))

  it.live("429 with Retry-After, a dropped connection, the server's own error body", () =>
    withEmulator((emulator) =>
      Effect.gen(function*() {
        const users = yield* Users.Users
        // over HTTP, as a test of an app in another process would
        const fault = (rule: object) =>
          Effect.promise(() =>
            fetch(`${emulator.url}/__emulator/faults`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(rule)
            })
          )
        yield* fault({ path: "/users/v2", status: 429, retryAfter: 1 }) // waited for, then retried
        expect((yield* users.getV2({ login: "marvin18" })).total_entries).toBe(0)

        yield* fault({ path: "/users/v2", drop: true, times: 3 }) // 1 try + 2 retries, all dropped
        expect((yield* Effect.flip(users.getV2({ login: "marvin18" })))._tag).toBe("TransportError")

        yield* fault({ path: "/users/v2", status: 401, body: { errors: { base: ["Unauthorized"] } } })
        expect((yield* Effect.flip(users.getV2({ login: "marvin18" })))._tag).toBe("Unauthorized")
      })))
})
// #endregion faults

// #region mails
describe("password reset", () => {
  it.live("mails the reset link", () =>
    withEmulator((emulator) =>
      Effect.gen(function*() {
        const users = yield* Users.Users
        yield* users.signup({ login: "marvin18", email: "awesomeman@gmail.com", password: "supersecurepwd" })
        yield* users.resetPassword("awesomeman@gmail.com")

        const [mail] = yield* emulator.emails
        expect(mail?.subject).toBe("Reset password instructions")
        expect(mail?.to).toBe("awesomeman@gmail.com")
        expect((mail?.data as { link: string }).link).toMatch(/reset_password_token=/)

        // or over HTTP: GET /__emulator/emails?to=…
        const outbox = yield* Effect.promise(() =>
          fetch(`${emulator.url}/__emulator/emails?to=awesomeman%40gmail.com`).then((r) => r.json())
        )
        expect(outbox.emails).toHaveLength(1)
      })))
})
// #endregion mails
