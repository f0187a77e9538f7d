/**
 * The seed's first half end to end: every way to sign in, login/logout, expiry handled once for all callers,
 * persistence across a restart — the Effect SDK against the emulator over a real loopback port.
 */
import { assert, describe, it } from "@effect/vitest"
import { Emulator } from "@connectycube-effect/emulator"
import { Cube, Session, SessionStore } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { NodeHttpClient, NodeServices } from "@effect/platform-node"
import { Effect, Layer, Option, Redacted, Result } from "effect"
import { KeyValueStore } from "effect/persistence"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"

const AUTH_KEY = "sessions-e2e-key"

const cube = (url: string, options: Partial<Cube.Options> = {}) =>
  Users.layer.pipe(
    Layer.provideMerge(Cube.layer({ appId: 1, authKey: AUTH_KEY, apiUrl: url, ...options })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

/** An unsigned Firebase-style ID token, as the Firebase Auth emulator issues them. */
const idToken = (payload: Record<string, unknown>) =>
  ["eyJhbGciOiJub25lIn0", Buffer.from(JSON.stringify(payload)).toString("base64url"), ""].join(".")
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600

const sessionPosts = (emulator: Emulator.Service) =>
  Effect.map(emulator.requests, (log) => log.filter((r) => r.method === "POST" && /^\/session(\.json)?$/.test(r.path)).length)

/** A tiny Custom Identity Provider on loopback: token "good-<uid>" is valid. */
const cidpServer = Effect.acquireRelease(
  Effect.callback<{ url: string; server: Http.Server }>((resume) => {
    const server = Http.createServer((req, res) => {
      const token = new URL(req.url!, "http://x").searchParams.get("token") ?? ""
      if (token.startsWith("good-")) {
        const uid = token.slice(5)
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ uid, login: `ext_${uid}`, full_name: `External ${uid}` }))
      } else {
        res.writeHead(404, { "content-type": "application/json" })
        res.end(JSON.stringify({ error: "Token invalid" }))
      }
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/verify`, server })))
  }),
  ({ server }) => Effect.promise(() => new Promise<void>((r) => server.close(() => r())))
)

const withEmulator = <A, E>(
  f: (emulator: Emulator.Service) => Effect.Effect<A, E, Users.Users | Session.Session>,
  options: Partial<Cube.Options> = {},
  emulatorOptions: Emulator.Options = {}
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make({ apps: [{ id: 1, authKey: AUTH_KEY }], ...emulatorOptions })
    return yield* f(emulator).pipe(Effect.provide(cube(emulator.url, options)))
  })

describe("sessions end to end", () => {
  it.live("application session: create, read back, destroy; a destroyed token is refused", () =>
    withEmulator((emulator) =>
      Effect.gen(function*() {
        const session = yield* Session.Session
        const app = yield* session.create()
        assert.isNull(app.user_id)
        assert.match(app.token, /^[0-9A-F]{36}$/)
        const read = yield* session.get
        assert.strictEqual(read.id, app.id)
        yield* session.destroy
        assert.isTrue(Option.isNone(yield* session.current))
        const res = yield* Effect.promise(() => fetch(`${emulator.url}/session.json`, { headers: { "CB-Token": app.token } }))
        assert.strictEqual(res.status, 401)
        assert.deepStrictEqual(yield* Effect.promise(() => res.json()), { errors: { base: ["Required session does not exist"] } })
      })))

  it.live("every credential form of the seed creates a user session", () =>
    Effect.gen(function*() {
      yield* withEmulator(() =>
        Effect.gen(function*() {
          const session = yield* Session.Session
          const byLogin = yield* session.create({ login: "cubeuser", password: "awesomepwd" })
          assert.strictEqual(byLogin.user?.login, "cubeuser")
          assert.strictEqual(byLogin.id, byLogin.user_id)
          const byEmail = yield* session.create({ email: "cubeuser@gmail.com", password: "awesomepwd" })
          assert.strictEqual(byEmail.user?.email, "cubeuser@gmail.com")
          const guest = yield* session.create({ guest: "1", full_name: "Awesome Smith" })
          assert.isTrue(guest.user?.is_guest === true)
          assert.match(guest.user?.login ?? "", /^guest_login_/)
          assert.strictEqual(guest.user?.full_name, "Awesome Smith")
          const fb1 = yield* session.create({ provider: "facebook", keys: { token: "a876as7db-asg34dasd8wqe" } })
          const fb2 = yield* session.create({ provider: "facebook", keys: { token: "a876as7db-asg34dasd8wqe" } })
          assert.strictEqual(fb1.user_id, fb2.user_id)
          const phone = yield* session.create({
            provider: "firebase_phone",
            firebase_phone: { project_id: "demo-cube", access_token: idToken({ aud: "demo-cube", exp: inAnHour(), phone_number: "+380665787842" }) }
          })
          assert.strictEqual(phone.user?.phone, "+380665787842")
          // the seed's flat form reaches the same user
          const flat = yield* session.create({
            provider: "firebase_phone",
            "firebase_phone[project_id]": "demo-cube",
            "firebase_phone[access_token]": idToken({ aud: "demo-cube", exp: inAnHour(), phone_number: "+380665787842" })
          })
          assert.strictEqual(flat.user_id, phone.user_id)
          const mail = yield* session.create({
            provider: "firebase_email",
            firebase_email: { project_id: "demo-cube", access_token: idToken({ aud: "demo-cube", exp: inAnHour(), email: "fire@example.com" }) }
          })
          assert.strictEqual(mail.user?.email, "fire@example.com")
          const wrongProject = yield* Effect.flip(session.create({
            provider: "firebase_email",
            firebase_email: { project_id: "demo-cube", access_token: idToken({ aud: "other", exp: inAnHour(), email: "x@example.com" }) }
          }))
          assert.strictEqual(wrongProject._tag, "ValidationError")
        }))
    }))

  it.live("custom identity provider: the external token is the login, verified by the app's URL", () =>
    Effect.gen(function*() {
      const cidp = yield* cidpServer
      yield* withEmulator(() =>
        Effect.gen(function*() {
          const session = yield* Session.Session
          const external = yield* session.create({ login: "good-42", password: "any" })
          assert.strictEqual(external.user?.login, "ext_42")
          assert.strictEqual(external.user?.full_name, "External 42")
          const again = yield* session.create({ login: "good-42", password: "any" })
          assert.strictEqual(again.user_id, external.user_id)
          const rejected = yield* Effect.flip(session.create({ login: "bad-token", password: "any" }))
          assert.strictEqual(rejected._tag, "ValidationError")
          assert.include(rejected.message, "Custom Identity Provider responded with an error")
          assert.include(rejected.message, "Status code = 404")
        }), {}, { apps: [{ id: 1, authKey: AUTH_KEY, cidpUrl: cidp.url }] })
    }))

  it.live("login upgrades an application session with every form; logout downgrades; a write is then Forbidden", () =>
    withEmulator(() =>
      Effect.gen(function*() {
        const session = yield* Session.Session
        const users = yield* Users.Users
        yield* users.signup({ login: "johnsmith", email: "johnsmith@gmail.com", password: "awesomepwd" })
        for (const credentials of [
          { login: "johnsmith", password: "awesomepwd" },
          { email: "johnsmith@gmail.com", password: "awesomepwd" },
          { provider: "facebook" as const, keys: { token: "fb-token-login" } },
          {
            provider: "firebase_email" as const,
            firebase_email: { project_id: "demo-cube", access_token: idToken({ aud: "demo-cube", exp: inAnHour(), email: "johnsmith@gmail.com" }) }
          }
        ]) {
          const app = yield* session.create()
          const user = yield* session.login(credentials)
          assert.isAbove(user.id, 0)
          const info = Option.getOrThrow(yield* session.current)
          assert.strictEqual(info.kind, "user")
          assert.strictEqual(info.sessionId, app.id)
          yield* session.logout
          assert.strictEqual(Option.getOrThrow(yield* session.current).kind, "application")
          const denied = yield* Effect.flip(users.update({ full_name: "Nope" }))
          assert.strictEqual(denied._tag, "Forbidden")
        }
        // logged out, but the token still reads
        const page = yield* users.getV2({ login: "johnsmith" })
        assert.strictEqual(page.total_entries, 1)
      })))

  it.live("wrong forms are refused locally; wrong credentials are typed server errors", () =>
    withEmulator((emulator) =>
      Effect.gen(function*() {
        const session = yield* Session.Session
        yield* emulator.clearRequests
        for (const bad of [{ login: "x" }, { email: "no-at-sign", password: "p" }, { provider: "facebook", keys: {} }, { guest: "2" }]) {
          const error = yield* Effect.flip(session.create(bad as any))
          assert.strictEqual(error._tag, "InvalidInput")
        }
        assert.strictEqual((yield* emulator.requests).length, 0)
        yield* session.create({ login: "cubeuser", password: "awesomepwd" })
        const wrong = yield* Effect.flip(session.create({ login: "cubeuser", password: "wrong-password" }))
        assert.strictEqual(wrong._tag, "Unauthorized")
      })))

  it.live("wrong application credentials are Unauthorized", () =>
    withEmulator(() =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Effect.flatMap(Session.Session, (s) => s.create()))
        assert.strictEqual(error._tag, "Unauthorized")
      }), { authKey: "not-the-key" }))

  it.live("expiry: 1000 concurrent calls after 2 h all succeed with exactly one new POST /session", () =>
    withEmulator((emulator) =>
      Effect.gen(function*() {
        const session = yield* Session.Session
        const users = yield* Users.Users
        yield* users.signup({ login: "sleeper", password: "sleeper-pwd" })
        const first = yield* session.create({ login: "sleeper", password: "sleeper-pwd" })
        yield* emulator.advanceClock(2 * 60 * 60 * 1000 + 1)
        yield* emulator.clearRequests
        const pages = yield* Effect.all(Array.from({ length: 1000 }, () => users.getV2({ login: "sleeper" })), {
          concurrency: "unbounded"
        })
        assert.isTrue(pages.every((p) => p.total_entries === 1))
        assert.strictEqual(yield* sessionPosts(emulator), 1)
        const token = Redacted.value(Option.getOrThrow(yield* session.token))
        assert.notStrictEqual(token, first.token)
        // re-created as the same user
        assert.strictEqual(Option.getOrThrow(yield* session.current).userId, first.user_id)
      })), { timeout: 120_000 })

  it.live("a failing re-creation reaches every waiter as a typed error; the next call tries again", () =>
    withEmulator((emulator) =>
      Effect.gen(function*() {
        const session = yield* Session.Session
        const users = yield* Users.Users
        yield* session.create()
        yield* emulator.advanceClock(3 * 60 * 60 * 1000)
        yield* emulator.clearRequests
        // slow enough that every call meets the 401 while the one re-creation is still in flight
        yield* emulator.addFault({ method: "POST", path: "/session", status: 503, delayMs: 1000, times: 1 })
        const results = yield* Effect.all(Array.from({ length: 100 }, () => Effect.result(users.getV2({ login: "x" }))), {
          concurrency: "unbounded"
        })
        const tags = results.map((r) => (Result.isFailure(r) ? r.failure._tag : "Success"))
        assert.deepStrictEqual([...new Set(tags)], ["ServerError"])
        assert.strictEqual(yield* sessionPosts(emulator), 1)
        const after = yield* users.getV2({ login: "x" })
        assert.strictEqual(after.total_entries, 0)
        assert.strictEqual(yield* sessionPosts(emulator), 2)
      })))

  it.live("the session survives a restart through the KeyValueStore-backed store (file system)", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cube-session-"))
      const emulator = yield* Emulator.make({ apps: [{ id: 1, authKey: AUTH_KEY }] })
      const persisted = () =>
        cube(emulator.url).pipe(
          Layer.provide(SessionStore.layerKeyValueStore().pipe(
            Layer.provide(KeyValueStore.layerFileSystem(dir)),
            Layer.provide(NodeServices.layer)
          ))
        )
      const created = yield* Effect.flatMap(Session.Session, (s) => s.create({ login: "keeper", password: "keeper-pwd" })).pipe(
        Effect.provide(persisted())
      )
      const stored = Fs.readdirSync(dir).map((f) => Fs.readFileSync(Path.join(dir, f), "utf8")).join("")
      assert.notInclude(stored, "keeper-pwd")
      yield* emulator.clearRequests
      // a new process: a fresh layer over the same directory
      const info = yield* Effect.gen(function*() {
        const users = yield* Users.Users
        yield* users.update({ full_name: "Kept" })
        return yield* Effect.flatMap(Session.Session, (s) => s.current)
      }).pipe(Effect.provide(persisted()))
      assert.strictEqual(Option.getOrThrow(info).userId, created.user_id)
      assert.strictEqual(yield* sessionPosts(emulator), 0)
    }))
})
