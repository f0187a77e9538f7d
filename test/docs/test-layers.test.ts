// #region app
import { Errors } from "@connectycube-effect/core"
import { Users } from "@connectycube-effect/users"
import { Effect } from "effect"

/** The code under test: it only needs the `Users` service, so a test can hand it any `Users`. */
export const greeting = (login: string) =>
  Effect.gen(function*() {
    const users = yield* Users.Users
    const page = yield* users.getV2({ login })
    const user = page.items[0]
    return user === undefined ? `no user ${login}` : `Hello, ${user.full_name ?? user.login}!`
  }).pipe(Effect.catchTag("RateLimited", () => Effect.succeed("busy, try again later")))
// #endregion app

// #region mock
import { User } from "@connectycube-effect/core"
import { describe, expect, it } from "@effect/vitest"
import { Layer } from "effect"

const marvin = new User.User({ id: 81, login: "marvin18", full_name: "Marvin Simon" })

describe("greeting", () => {
  // Layer.mock: implement only what the code calls; anything else dies with UnimplementedError
  const UsersTest = Layer.mock(Users.Users, {
    getV2: (query) => {
      const items = query.login === "marvin18" ? [marvin] : []
      return Effect.succeed({ limit: 10, skip: 0, total_entries: items.length, items })
    }
  })

  it.effect("greets a user found by login", () =>
    Effect.gen(function*() {
      expect(yield* greeting("marvin18")).toBe("Hello, Marvin Simon!")
      expect(yield* greeting("nobody")).toBe("no user nobody")
    }).pipe(Effect.provide(UsersTest)))

  it.effect("turns a typed error into a message", () =>
    greeting("marvin18").pipe(
      Effect.provide(Layer.mock(Users.Users, { getV2: () => Effect.fail(new Errors.RateLimited({ status: 429, retryAfterMs: 1000 })) })),
      Effect.map((text) => expect(text).toBe("busy, try again later"))
    ))
})
// #endregion mock

// #region succeed
import { Stream } from "effect"

/** A whole fake `Users` with Layer.succeed: an in-memory directory, for tests that sign users up and find them. */
const InMemoryUsers = Layer.effect(
  Users.Users,
  Effect.sync(() => {
    const directory: Array<User.User> = []
    const unused = Effect.die("not used by these tests")
    return Users.Users.of({
      signup: (profile) =>
        directory.some((u) => u.login === profile.login)
          ? Effect.fail(new Errors.ValidationError({ status: 422, errors: { login: ["has already been taken"] } }))
          : Effect.sync(() => {
            const user = new User.User({ id: directory.length + 1, login: profile.login ?? null, full_name: profile.full_name ?? null })
            directory.push(user)
            return user
          }),
      getV2: (query) =>
        Effect.sync(() => {
          const items = directory.filter((u) => query.login === undefined || u.login === query.login)
          return { limit: 100, skip: 0, total_entries: items.length, items }
        }),
      update: () => unused,
      resetPassword: () => unused,
      delete: () => unused,
      deleteByExternalId: () => unused,
      get: (() => unused) as Users.Users.Service["get"],
      stream: () => Stream.die("not used"),
      streamV1: () => Stream.die("not used")
    })
  })
)

describe("greeting with a fake directory", () => {
  it.effect("finds whom it signed up", () =>
    Effect.gen(function*() {
      const users = yield* Users.Users
      yield* users.signup({ login: "marvin18", password: "supersecurepwd", full_name: "Marvin Simon" })
      const taken = yield* Effect.flip(users.signup({ login: "marvin18", password: "x" }))
      expect(taken._tag).toBe("ValidationError")
      expect(yield* greeting("marvin18")).toBe("Hello, Marvin Simon!")
    }).pipe(Effect.provide(InMemoryUsers)))
})
// #endregion succeed
