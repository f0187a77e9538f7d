import { describe, expect, it } from "@effect/vitest"
import { Errors, type User } from "@connectycube-effect/core"
import { Emulator } from "@connectycube-effect/emulator"
import { Cube, Session } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import { Deferred, Effect, Fiber, Layer, Option, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { SqlClient } from "effect/sql"

// The seed's "User signup" … "Retrieve users V1" and "Delete user" samples through the Effect SDK, against
// the emulator on a real loopback port.

const AUTH_KEY = "emulator-auth-key"

/** One client (its own session) for the emulator at `url`. */
const client = (url: string, http: Layer.Layer<HttpClient.HttpClient> = UndiciClient.layer) =>
  Users.layer.pipe(
    Layer.provideMerge(Cube.layer({ appId: 1, authKey: AUTH_KEY, apiUrl: url })),
    Layer.provide(http)
  )

const withEmulator = <A, E>(f: (emu: Emulator.Service) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(Effect.orDie(Emulator.make()), f))

const users = Users.Users
const session = Session.Session

const seedProfile = {
  login: "marvin18",
  password: "supersecurepwd",
  email: "awesomeman@gmail.com",
  full_name: "Marvin Simon",
  phone: "47802323143",
  website: "https://dozensofdreams.com",
  tag_list: ["iphone", "apple"],
  custom_data: JSON.stringify({ middle_name: "Bartoleo" })
}

const signInMarvin = Effect.flatMap(session, (s) => s.create({ login: "marvin18", password: "supersecurepwd" }))

/** Inserts `n` users tagged `tag` straight into the emulator's database (ids ascending). */
const bulkUsers = (emu: Emulator.Service, n: number, tag: string) =>
  emu.run(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(Effect.gen(function*() {
      for (let i = 1; i <= n; i++) {
        const [row] = yield* sql<{ id: number }>`INSERT INTO users ${
          sql.insert({
            _id: `64e89099303009002e${String(i).padStart(6, "0")}`,
            app_id: 1,
            login: `${tag}${i}`,
            full_name: `${tag} ${i}`,
            user_tags: tag,
            created_at: Date.UTC(2024, 0, 1) + i,
            updated_at: Date.UTC(2024, 0, 1) + i
          })
        } RETURNING id`
        yield* sql`INSERT INTO user_tags (user_id, app_id, tag) VALUES (${row!.id}, 1, ${tag})`
      }
    }))
  }).pipe(Effect.orDie))

const v2Requests = (emu: Emulator.Service) =>
  Effect.map(emu.requests, (log) => log.filter((e) => e.path === "/users/v2.json"))

describe("seed: User signup", () => {
  it.live("signs up the seed's profile and resolves to the user, as the seed's response shows", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const user = yield* Effect.flatMap(users, (u) => u.signup(seedProfile))
        expect(user).toMatchObject({
          full_name: "Marvin Simon",
          email: "awesomeman@gmail.com",
          login: "marvin18",
          phone: "47802323143",
          website: "https://dozensofdreams.com",
          external_user_id: null,
          facebook_id: null,
          twitter_id: null,
          custom_data: "{\"middle_name\":\"Bartoleo\"}",
          blob_id: null,
          user_tags: "iphone,apple"
        })
        expect(user.id).toBeGreaterThan(0)
        expect(user.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
        // Without a session the SDK signs up with CB-AuthKey: exactly one request, no session created.
        expect((yield* emu.requests).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(["POST /users.json 201"])
      }).pipe(Effect.provide(client(emu.url)))))

  it.live("\"only login (or email) + password are required\"; a second signup with the same login is refused", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        expect((yield* u.signup({ email: "only@example.com", password: "pwd" })).email).toBe("only@example.com")
        yield* u.signup(seedProfile)
        const again = yield* Effect.flip(u.signup({ ...seedProfile, email: "other@example.com" }))
        expect(again).toBeInstanceOf(Errors.ValidationError)
        expect((again as Errors.ValidationError).errors).toEqual({ login: ["has already been taken"] })
        const invalid = yield* Effect.flip(u.signup({ password: "pwd" }))
        expect(invalid).toMatchObject({ _tag: "InvalidInput", field: "login" })
      }).pipe(Effect.provide(client(emu.url)))))
})

describe("seed: User profile update and avatar", () => {
  it.live("updates login and full name; the rest is unchanged", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        const created = yield* u.signup(seedProfile)
        yield* signInMarvin
        const updated = yield* u.update({ login: "marvin18sim", full_name: "Mar Sim" })
        expect(updated).toMatchObject({
          id: created.id,
          full_name: "Mar Sim",
          email: "awesomeman@gmail.com",
          login: "marvin18sim",
          phone: "47802323143",
          website: "https://dozensofdreams.com",
          custom_data: "{\"middle_name\":\"Bartoleo\"}",
          user_tags: "iphone,apple"
        })
      }).pipe(Effect.provide(client(emu.url, FetchHttpClient.layer)))))

  it.live("a password change needs the right old_password, then the new one signs in", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        yield* u.signup(seedProfile)
        yield* signInMarvin
        const missing = yield* Effect.flip(u.update({ password: "newpwd" }))
        expect(missing).toMatchObject({ _tag: "InvalidInput", field: "old_password" })
        const wrong = yield* Effect.flip(u.update({ password: "newpwd", old_password: "nope" }))
        expect((wrong as Errors.ValidationError).errors).toEqual({ old_password: ["is incorrect"] })
        yield* u.update({ password: "newpwd", old_password: "supersecurepwd" })
        const s = yield* Effect.flatMap(session, (s) => s.create({ login: "marvin18", password: "newpwd" }))
        expect(s.user?.login).toBe("marvin18")
      }).pipe(Effect.provide(client(emu.url)))))

  it.live("sets the avatar to a blob uid", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        yield* u.signup(seedProfile)
        yield* signInMarvin
        const updated = yield* u.update({ avatar: "7cafb6030d3e4348ba49cab24c0cf10800" })
        expect(updated.avatar).toBe("7cafb6030d3e4348ba49cab24c0cf10800")
      }).pipe(Effect.provide(client(emu.url)))))

  it.live("after logout, update is a typed Forbidden and nothing is sent", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        yield* u.signup(seedProfile)
        yield* signInMarvin
        yield* Effect.flatMap(session, (s) => s.logout)
        const before = (yield* emu.requests).length
        const error = yield* Effect.flip(u.update({ full_name: "Mar Sim" }))
        expect(error).toBeInstanceOf(Errors.Forbidden)
        expect((error as Errors.Forbidden).status).toBe(403)
        expect((yield* emu.requests).length).toBe(before)
      }).pipe(Effect.provide(client(emu.url)))))
})

describe("seed: Password reset", () => {
  it.live("resolves, and the emulator mailed reset instructions to the address", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        yield* u.signup(seedProfile)
        const result = yield* u.resetPassword("awesomeman@gmail.com")
        expect(result).toBeUndefined()
        const mails = yield* emu.emails
        expect(mails).toHaveLength(1)
        expect(JSON.stringify(mails[0])).toContain("awesomeman@gmail.com")
        expect(JSON.stringify(mails[0])).toContain("password_reset")
        expect(yield* Effect.flip(u.resetPassword("not-an-email"))).toMatchObject({ _tag: "InvalidInput", field: "email" })
      }).pipe(Effect.provide(client(emu.url)))))
})

describe("seed: Retrieve users V2", () => {
  it.live("by ID: {limit: 10, offset: 50, id: {in: [...]}} (two matches, both before offset 50)", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        const a = yield* u.signup({ login: "first", password: "pwd" })
        const b = yield* u.signup({ login: "second", password: "pwd" })
        const page = yield* u.getV2({ limit: 10, offset: 50, id: { in: [a.id, b.id] } })
        expect(page).toEqual({ limit: 10, skip: 50, total_entries: 2, items: [] })
        const first = yield* u.getV2({ limit: 10, offset: 0, id: { in: [a.id, b.id] } })
        expect(first.items.map((x) => x.login)).toEqual(["first", "second"])
        const [log] = (yield* v2Requests(emu)).slice(-2)
        expect(log!.query).toBe(`id[in][]=${a.id}&id[in][]=${b.id}&limit=10&offset=50`)
      }).pipe(Effect.provide(client(emu.url)))))

  it.live("by login", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        yield* u.signup({ login: "adminFirstUser", password: "pwd" })
        const page = yield* u.getV2({ login: "adminFirstUser" })
        expect(page.total_entries).toBe(1)
        expect(page.items[0]!.login).toBe("adminFirstUser")
      }).pipe(Effect.provide(client(emu.url)))))

  it.live("by last_request_at: the seed's query finds who was active since the date, sent as ISO 8601", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        yield* u.signup(seedProfile)
        yield* u.signup({ login: "idle", password: "pwd", tag_list: ["apple"] })
        yield* signInMarvin
        const date = new Date(2017, 10, 10)
        const result = yield* u.getV2({ last_request_at: { gt: date } })
        // only marvin18 has made a request; "idle" never signed in (last_request_at null)
        expect(result.items.map((x) => x.login)).toEqual(["marvin18"])
        const active = yield* u.getV2({ user_tags: "apple", last_request_at: { gt: date } })
        expect(active.items.map((x) => x.login)).toEqual(["marvin18"])
        // Sent as ISO 8601, not Date.toString().
        expect((yield* v2Requests(emu)).at(-1)!.query).toContain(`last_request_at[gt]=${encodeURIComponent(date.toISOString())}`)
        const future = yield* u.getV2({ last_request_at: { gt: new Date(Date.now() + 86_400_000) } })
        expect(future.total_entries).toBe(0)
      }).pipe(Effect.provide(client(emu.url)))))
})

describe("seed: Retrieve users V1 (deprecated)", () => {
  const setup = Effect.gen(function*() {
    const u = yield* users
    const marvin = yield* u.signup(seedProfile)
    const samuel = yield* u.signup({
      login: "marvinsam",
      password: "pwd",
      email: "marvin18@example.com",
      full_name: "Marvin Samuel",
      phone: "44678162873",
      external_user_id: 675373912
    })
    return { marvin, samuel }
  })

  it.live("by ID with filter/page/per_page; by login, email, full name, phone, external id and tags", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        const { marvin, samuel } = yield* setup
        const byIds = yield* u.get({ page: 1, per_page: 5, filter: { field: "id", param: "in", value: [marvin.id, samuel.id] } })
        expect(byIds).toMatchObject({ current_page: 1, per_page: 5, total_entries: 2 })
        expect(byIds.items.map((i) => i.user.id)).toEqual([marvin.id, samuel.id])

        const one = (user: User.User) => user.login
        expect(one(yield* u.get({ login: "marvin18" }))).toBe("marvin18")
        expect(one(yield* u.get({ email: "marvin18@example.com" }))).toBe("marvinsam")
        expect(one(yield* u.get({ phone: "44678162873" }))).toBe("marvinsam")
        expect(one(yield* u.get({ external_user_id: "675373912" }))).toBe("marvinsam")
        expect(one(yield* u.get(marvin.id))).toBe("marvin18")

        const byName = yield* u.get({ full_name: "Marvin Samuel" })
        expect(byName.items.map((i) => i.user.login)).toEqual(["marvinsam"])
        const byTags = yield* u.get({ tags: ["apple"] })
        expect(byTags.items.map((i) => i.user.login)).toEqual(["marvin18"])

        const missing = yield* Effect.flip(u.get({ login: "nobody" }))
        expect(missing).toBeInstanceOf(Errors.NotFound)
      }).pipe(Effect.provide(client(emu.url)))))
})

describe("seed: Delete user", () => {
  it.live("the user deletes itself; the session is forgotten; the user is gone", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const u = yield* users
        const created = yield* u.signup(seedProfile)
        yield* signInMarvin
        const result = yield* u.delete()
        expect(result).toBeUndefined()
        expect(Option.isNone(yield* Effect.flatMap(session, (s) => s.current))).toBe(true)
        // The next call starts from a fresh application session.
        const gone = yield* Effect.flip(u.get(created.id))
        expect(gone).toBeInstanceOf(Errors.NotFound)
        expect((yield* u.getV2({ login: "marvin18" })).total_entries).toBe(0)
      }).pipe(Effect.provide(client(emu.url)))))

  it.live("an application session cannot delete (typed Forbidden, nothing sent)", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        yield* Effect.flatMap(session, (s) => s.create())
        const error = yield* Effect.flip(Effect.flatMap(users, (u) => u.delete()))
        expect(error._tag).toBe("Forbidden")
      }).pipe(Effect.provide(client(emu.url)))))
})

describe("streams", () => {
  it.live("2,500 users stream in order, each exactly once, 100 per request", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        yield* bulkUsers(emu, 2500, "bulk")
        const u = yield* users
        const all = yield* Stream.runCollect(u.stream({ user_tags: "bulk" }))
        expect(all).toHaveLength(2500)
        const ids = all.map((x) => x.id)
        expect(new Set(ids).size).toBe(2500)
        expect(ids).toEqual([...ids].sort((a, b) => a - b))
        expect(all.map((x) => x.login)).toEqual(Array.from({ length: 2500 }, (_, i) => `bulk${i + 1}`))
        expect((yield* v2Requests(emu)).length).toBe(25)

        // The deprecated V1 stream walks the same users through /users/by_tags.
        const v1 = yield* Stream.runCollect(u.streamV1({ tags: ["bulk"] }))
        expect(v1.map((x) => x.id)).toEqual(ids)
      }).pipe(Effect.provide(client(emu.url)))), 60_000)

  it.live("interrupting after 10 users stops further page requests", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        yield* bulkUsers(emu, 2500, "bulk")
        const u = yield* users
        const seen: Array<number> = []
        const tenth = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(
          Stream.runForEach(u.stream({ user_tags: "bulk", limit: 5 }), (user) =>
            Effect.suspend(() => {
              seen.push(user.id)
              // Hold the consumer at the 10th user, so nothing can pull ahead before the interruption.
              return seen.length === 10 ? Effect.andThen(Deferred.succeed(tenth, undefined), Effect.never) : Effect.void
            }))
        )
        yield* Deferred.await(tenth)
        yield* Fiber.interrupt(fiber)
        yield* Effect.sleep("200 millis")
        expect(seen).toHaveLength(10)
        const pages = yield* v2Requests(emu)
        expect(pages.map((e) => e.query)).toEqual([
          "limit=5&offset=0&user_tags=bulk",
          "limit=5&offset=5&user_tags=bulk"
        ])
      }).pipe(Effect.provide(client(emu.url)))))

  it.live("taking 10 of pages of 100 makes one request", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        yield* bulkUsers(emu, 2500, "bulk")
        const u = yield* users
        const ten = yield* Stream.runCollect(Stream.take(u.stream({ user_tags: "bulk" }), 10))
        expect(ten).toHaveLength(10)
        expect((yield* v2Requests(emu)).length).toBe(1)
      }).pipe(Effect.provide(client(emu.url)))))
})
