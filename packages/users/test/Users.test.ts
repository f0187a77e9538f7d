import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Errors, type User } from "@connectycube-effect/core"
import { Session } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { Effect, Exit, Option, Schema, Stream } from "effect"
import { type Captured, fakeCube, type Reply, USER_ID, userJson } from "./fake.js"

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

const loginAsUser = Effect.flatMap(Session.Session, (s) => s.create({ login: "cubeuser", password: "awesomepwd" }))

const invalid = <A>(effect: Effect.Effect<A, Errors.CubeError, Users.Users | Session.Session>) =>
  Effect.flatMap(Effect.flip(effect), (error) => {
    expect(error).toBeInstanceOf(Errors.InvalidInput)
    return Effect.succeed(error as Errors.InvalidInput)
  })

describe("Users.signup", () => {
  it.effect("sends the seed profile as the official SDK does, with CB-AuthKey when no session is held", () => {
    const cube = fakeCube(() => ({ status: 201, body: { user: userJson(81, { login: "marvin18", user_tags: "iphone,apple" }) } }))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const user = yield* users.signup(seedProfile)
      expect(user.id).toBe(81)
      expect(user.login).toBe("marvin18")
      expect(cube.requests).toHaveLength(1)
      const [req] = cube.requests as [Captured]
      expect(req.method).toBe("POST")
      expect(req.target).toBe("/users.json")
      expect(req.body).toBe(
        "{\"user\":{\"login\":\"marvin18\",\"password\":\"supersecurepwd\",\"email\":\"awesomeman@gmail.com\",\"full_name\":\"Marvin Simon\",\"phone\":\"47802323143\",\"website\":\"https://dozensofdreams.com\",\"tag_list\":[\"iphone\",\"apple\"],\"custom_data\":\"{\\\"middle_name\\\":\\\"Bartoleo\\\"}\"}}"
      )
      expect(req.headers["cb-authkey"]).toBe("AUTHKEY-abc")
      expect(req.headers["cb-token"]).toBeUndefined()
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("uses the session token when one is held", () => {
    const cube = fakeCube(() => ({ status: 201, body: { user: userJson(82) } }))
    return Effect.gen(function*() {
      yield* Effect.flatMap(Session.Session, (s) => s.create())
      yield* Effect.flatMap(Users.Users, (u) => u.signup({ email: "only@example.com", password: "pwd" }))
      const req = cube.api()[0]!
      expect(req.headers["cb-token"]).toBe("APP-TOKEN")
      expect(req.headers["cb-authkey"]).toBeUndefined()
      expect(req.body).toBe("{\"user\":{\"email\":\"only@example.com\",\"password\":\"pwd\"}}")
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("is never sent twice, even on a transient failure", () => {
    const cube = fakeCube(() => ({ status: 503, body: { errors: ["Service Unavailable"] } }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.flatMap(Users.Users, (u) => u.signup(seedProfile)))
      expect(error._tag).toBe("ServerError")
      expect(cube.requests).toHaveLength(1)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("maps a duplicate login to ValidationError with the server's messages", () => {
    const cube = fakeCube(() => ({ status: 422, body: { errors: { login: ["has already been taken"] } } }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.flatMap(Users.Users, (u) => u.signup(seedProfile)))
      expect(error).toBeInstanceOf(Errors.ValidationError)
      expect((error as Errors.ValidationError).errors).toEqual({ login: ["has already been taken"] })
    }).pipe(Effect.provide(cube.layer))
  })

  const cases: ReadonlyArray<readonly [string, unknown, string, string]> = [
    ["no login and no email", { password: "pwd" }, "login", "login or email is required"],
    ["an empty password", { login: "marvin18", password: "" }, "password", "cannot be blank"],
    ["no password", { login: "marvin18" }, "password", "cannot be blank"],
    ["a malformed email", { email: "awesomeman.gmail.com", password: "pwd" }, "email", "is invalid"],
    ["a malformed website", { login: "marvin18", password: "pwd", website: "not a url" }, "website", "is invalid"],
    ["a website that is not http(s)", { login: "marvin18", password: "pwd", website: "ftp://x.com" }, "website", "is invalid"],
    ["tags that are not strings", { login: "marvin18", password: "pwd", tag_list: ["ok", 7] }, "tag_list.1", "must be a string"],
    ["a tag with a comma", { login: "marvin18", password: "pwd", tag_list: ["a,b"] }, "tag_list.0", "must be a non-empty tag without commas"],
    ["a login of 2 characters", { login: "ab", password: "pwd" }, "login", "is too short (minimum is 3 characters)"],
    ["a login of 71 characters", { login: "a".repeat(71), password: "pwd" }, "login", "is too long (maximum is 70 characters)"],
    ["a timezone out of range", { login: "marvin18", password: "pwd", timezone: 5000 }, "timezone", "must be between -720 and 840 minutes"],
    ["a negative blob_id", { login: "marvin18", password: "pwd", blob_id: -1 }, "blob_id", "must be a positive integer"],
    ["custom_data that is not a string", { login: "marvin18", password: "pwd", custom_data: { a: 1 } }, "custom_data", "must be a string"],
    ["an unknown field (a typo)", { login: "marvin18", password: "pwd", fullname: "x" }, "fullname", "is not a known field"]
  ]
  for (const [name, profile, field, reason] of cases) {
    it.effect(`refuses ${name} without sending anything`, () => {
      const cube = fakeCube()
      return Effect.gen(function*() {
        const error = yield* invalid(Effect.flatMap(Users.Users, (u) => u.signup(profile as Users.SignupProfile)))
        expect({ field: error.field, reason: error.reason }).toEqual({ field, reason })
        expect(cube.requests).toHaveLength(0)
      }).pipe(Effect.provide(cube.layer))
    })
  }

  it.effect("never puts the value in the error", () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      const error = yield* invalid(
        Effect.flatMap(Users.Users, (u) => u.signup({ login: "ab", password: "hunter2-secret", email: "secret-mail" }))
      )
      expect(error.message).not.toContain("hunter2")
      expect(error.message).not.toContain("secret-mail")
      expect(JSON.stringify(error)).not.toContain("\"ab\"")
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("customData encodes with a Schema and User.customData reads it back", () =>
    Effect.gen(function*() {
      const Profile = Schema.Struct({ middle_name: Schema.String })
      const text = yield* Users.customData(Profile, { middle_name: "Bartoleo" })
      expect(text).toBe("{\"middle_name\":\"Bartoleo\"}")
      const Positive = Schema.Struct({ n: Schema.Number.check(Schema.isGreaterThan(0)) })
      const error = yield* Effect.flip(Users.customData(Positive, { n: -1 }))
      expect(error).toBeInstanceOf(Errors.InvalidInput)
      expect(error.field).toBe("custom_data.n")
    }))
})

describe("Users.update", () => {
  it.effect("PUTs the changes to the current user, byte for byte", () => {
    const cube = fakeCube(() => ({ status: 200, body: { user: userJson(USER_ID, { login: "cubeuser2", full_name: "Awesome Smith 2" }) } }))
    return Effect.gen(function*() {
      yield* loginAsUser
      const user = yield* Effect.flatMap(Users.Users, (u) => u.update({ login: "cubeuser2", full_name: "Awesome Smith 2" }))
      expect(user.full_name).toBe("Awesome Smith 2")
      const req = cube.api()[0]!
      expect(req.method).toBe("PUT")
      expect(req.target).toBe(`/users/${USER_ID}.json`)
      expect(req.body).toBe("{\"user\":{\"login\":\"cubeuser2\",\"full_name\":\"Awesome Smith 2\"}}")
      expect(req.headers["cb-token"]).toBe("USER-TOKEN")
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("sends a password change with old_password, and an avatar uid", () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      yield* loginAsUser
      const users = yield* Users.Users
      yield* users.update({ password: "newpwd", old_password: "awesomepwd" })
      yield* users.update({ avatar: "b1d5a0f0c0ffee00000000000000000000" })
      expect(cube.api().map((r) => r.body)).toEqual([
        "{\"user\":{\"password\":\"newpwd\",\"old_password\":\"awesomepwd\"}}",
        "{\"user\":{\"avatar\":\"b1d5a0f0c0ffee00000000000000000000\"}}"
      ])
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("refuses a new password without old_password, sending nothing", () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      yield* loginAsUser
      const error = yield* invalid(Effect.flatMap(Users.Users, (u) => u.update({ password: "newpwd" })))
      expect(error.field).toBe("old_password")
      expect(cube.api()).toHaveLength(0)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("fails with Forbidden, sending nothing, without a user session", () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const none = yield* Effect.flip(users.update({ full_name: "x" }))
      expect(none).toBeInstanceOf(Errors.Forbidden)
      yield* Effect.flatMap(Session.Session, (s) => s.create())
      const app = yield* Effect.flip(users.update({ full_name: "x" }))
      expect(app._tag).toBe("Forbidden")
      expect((app as Errors.Forbidden).body).toEqual({ errors: { base: ["Forbidden. Need user."] } })
      expect(cube.api()).toHaveLength(0)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("after logout, update is Forbidden", () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      yield* loginAsUser
      yield* Effect.flatMap(Session.Session, (s) => s.logout)
      const error = yield* Effect.flip(Effect.flatMap(Users.Users, (u) => u.update({ full_name: "x" })))
      expect(error._tag).toBe("Forbidden")
      expect(cube.api()).toHaveLength(0)
    }).pipe(Effect.provide(cube.layer))
  })
})

describe("Users.update: retries and the credentials a renewed session signs in with", () => {
  /**
   * A fake API whose next GET, once `expireNext()` is called, answers "session expired" (so the session is
   * re-created); `put` answers the PUT (the updated user by default).
   */
  const expiring = (put: () => Reply = () => ({ status: 200, body: { user: userJson(USER_ID) } })) => {
    let expire = false
    const cube = fakeCube((req) => {
      if (req.method === "PUT") return put()
      if (req.method === "GET" && expire) {
        expire = false
        return expired
      }
      return req.method === "GET" ? { status: 200, body: { user: userJson(81) } } : { status: 200, body: { user: userJson(USER_ID) } }
    })
    return { cube, expireNext: () => (expire = true) }
  }
  const expired = { status: 401, body: { errors: { base: ["Required session does not exist"] } } }
  /** Every `POST /session` user credential sent, in order. */
  const signIns = (requests: ReadonlyArray<Captured>) =>
    requests.filter((r) => r.method === "POST" && r.path === "/session.json").map((r) => JSON.parse(r.body!).user)

  it.live("a password change is sent once, even on a transient failure (a retry would carry a wrong old_password)", () => {
    const cube = fakeCube(() => ({ status: 503, body: { errors: ["Service Unavailable"] } }))
    return Effect.gen(function*() {
      yield* loginAsUser
      const error = yield* Effect.flip(
        Effect.flatMap(Users.Users, (u) => u.update({ password: "newpwd", old_password: "awesomepwd" }))
      )
      expect(error._tag).toBe("ServerError")
      expect(cube.api().map((r) => r.method)).toEqual(["PUT"])
    }).pipe(Effect.provide(cube.layer))
  })

  it.live("any other change is retried on a transient failure", () => {
    const answers = [{ status: 503, body: { errors: ["Service Unavailable"] } }, { status: 200, body: { user: userJson(USER_ID) } }]
    const cube = fakeCube(() => answers.shift()!)
    return Effect.gen(function*() {
      yield* loginAsUser
      const user = yield* Effect.flatMap(Users.Users, (u) => u.update({ full_name: "x" }))
      expect(user.id).toBe(USER_ID)
      expect(cube.api().map((r) => r.method)).toEqual(["PUT", "PUT"])
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("after a new login and password, a session re-created on expiry signs in with them", () => {
    const { cube, expireNext } = expiring()
    return Effect.gen(function*() {
      yield* loginAsUser
      const users = yield* Users.Users
      yield* users.update({ login: "cubeuser2", password: "newpwd", old_password: "awesomepwd" })
      expireNext()
      yield* users.get(81)
      expect(signIns(cube.requests)).toEqual([
        { login: "cubeuser", password: "awesomepwd" },
        { login: "cubeuser2", password: "newpwd" }
      ])
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("after a new email, a session created with the email is re-created with the new one", () => {
    const { cube, expireNext } = expiring()
    return Effect.gen(function*() {
      yield* Effect.flatMap(Session.Session, (s) => s.create({ email: "old@example.com", password: "awesomepwd" }))
      const users = yield* Users.Users
      yield* users.update({ email: "new@example.com" })
      expireNext()
      yield* users.get(81)
      expect(signIns(cube.requests)).toEqual([
        { email: "old@example.com", password: "awesomepwd" },
        { email: "new@example.com", password: "awesomepwd" }
      ])
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("a refused update leaves the credentials as they were", () => {
    const { cube, expireNext } = expiring(() => ({ status: 422, body: { errors: { old_password: ["is invalid"] } } }))
    return Effect.gen(function*() {
      yield* loginAsUser
      const users = yield* Users.Users
      const error = yield* Effect.flip(users.update({ password: "newpwd", old_password: "wrong" }))
      expect(error._tag).toBe("ValidationError")
      expireNext()
      yield* users.get(81)
      expect(signIns(cube.requests)).toEqual([
        { login: "cubeuser", password: "awesomepwd" },
        { login: "cubeuser", password: "awesomepwd" }
      ])
    }).pipe(Effect.provide(cube.layer))
  })
})

describe("Users.resetPassword", () => {
  it.effect("POSTs {\"email\"} as the official SDK does", () => {
    const cube = fakeCube(() => ({ status: 200, body: "" }))
    return Effect.gen(function*() {
      yield* Effect.flatMap(Users.Users, (u) => u.resetPassword("awesomeman@gmail.com"))
      const req = cube.api()[0]!
      expect([req.method, req.target, req.body]).toEqual([
        "POST",
        "/users/password/reset.json",
        "{\"email\":\"awesomeman@gmail.com\"}"
      ])
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("refuses a malformed email", () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      const error = yield* invalid(Effect.flatMap(Users.Users, (u) => u.resetPassword("nope")))
      expect(error.field).toBe("email")
      expect(cube.requests).toHaveLength(0)
    }).pipe(Effect.provide(cube.layer))
  })
})

describe("Users.delete", () => {
  it.effect("DELETEs the current user, then forgets the session", () => {
    const cube = fakeCube(() => ({ status: 200, body: "" }))
    return Effect.gen(function*() {
      yield* loginAsUser
      yield* Effect.flatMap(Users.Users, (u) => u.delete())
      expect(cube.requests.slice(1).map((r) => `${r.method} ${r.target}`)).toEqual([
        `DELETE /users/${USER_ID}.json`,
        "DELETE /session.json"
      ])
      expect(Option.isNone(yield* Effect.flatMap(Session.Session, (s) => s.current))).toBe(true)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("deleteByExternalId DELETEs /users/external/{id}", () => {
    const cube = fakeCube(() => ({ status: 200, body: "" }))
    return Effect.gen(function*() {
      yield* loginAsUser
      yield* Effect.flatMap(Users.Users, (u) => u.deleteByExternalId(52691165))
      expect(cube.api().map((r) => `${r.method} ${r.target}`)).toEqual(["DELETE /users/external/52691165.json"])
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("needs a user session", () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      const users = yield* Users.Users
      expect((yield* Effect.flip(users.delete()))._tag).toBe("Forbidden")
      expect((yield* Effect.flip(users.deleteByExternalId("x")))._tag).toBe("Forbidden")
      expect(cube.api()).toHaveLength(0)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("a failed delete keeps the session", () => {
    const cube = fakeCube(() => ({ status: 403, body: { errors: { base: ["Forbidden. Need user."] } } }))
    return Effect.gen(function*() {
      yield* loginAsUser
      const error = yield* Effect.flip(Effect.flatMap(Users.Users, (u) => u.delete()))
      expect(error._tag).toBe("Forbidden")
      expect(Option.isSome(yield* Effect.flatMap(Session.Session, (s) => s.current))).toBe(true)
    }).pipe(Effect.provide(cube.layer))
  })
})

const pageV2 = (items: ReadonlyArray<unknown>, skip = 0, limit = 100, total = items.length) => ({
  status: 200,
  body: { limit, skip, total_entries: total, items }
})

describe("Users.getV2", () => {
  const urls: ReadonlyArray<readonly [string, Users.Query, string]> = [
    [
      "by id (seed)",
      { limit: 10, offset: 50, id: { in: [51941, 51946] } },
      "/users/v2.json?id[in][]=51941&id[in][]=51946&limit=10&offset=50"
    ],
    ["by login (seed)", { login: "adminFirstUser" }, "/users/v2.json?login=adminFirstUser"],
    [
      "a date as ISO 8601",
      { login: "x", last_request_at: { gt: new Date(Date.UTC(2017, 10, 10)) } },
      "/users/v2.json?last_request_at[gt]=2017-11-10T00%3A00%3A00.000Z&login=x"
    ],
    [
      "the V1 spellings ge/le as gte/lte",
      { login: "x", created_at: { ge: "2020-01-01T00:00:00Z", le: new Date(Date.UTC(2021, 0, 1)) } },
      "/users/v2.json?created_at[gte]=2020-01-01T00%3A00%3A00.000Z&created_at[lte]=2021-01-01T00%3A00%3A00.000Z&login=x"
    ],
    [
      "an ISO string date",
      { user_tags: "guest", created_at: { lt: "2023-08-01T10:41:35Z" } },
      "/users/v2.json?created_at[lt]=2023-08-01T10%3A41%3A35.000Z&user_tags=guest"
    ],
    [
      "escaping, start_with, nin and sorting (official SDK capture)",
      { user_tags: { nin: ["vip", "b"] }, full_name: { start_with: "Awes ome+&" }, sort_desc: "created_at" },
      "/users/v2.json?full_name[start_with]=Awes%20ome%2B%26&sort_desc=created_at&user_tags[nin][]=b&user_tags[nin][]=vip"
    ],
    [
      "the docs' combined example",
      { id: { in: [52671, 51943] }, phone: "5464579797975", last_request_at: { gt: "2018-12-06T09:21:41Z" }, sort_desc: "id", limit: 10 },
      "/users/v2.json?id[in][]=51943&id[in][]=52671&last_request_at[gt]=2018-12-06T09%3A21%3A41.000Z&limit=10&phone=5464579797975&sort_desc=id"
    ]
  ]
  for (const [name, query, target] of urls) {
    it.effect(`sends ${name}`, () => {
      const cube = fakeCube(() => pageV2([userJson(51941)]))
      return Effect.gen(function*() {
        const page = yield* Effect.flatMap(Users.Users, (u) => u.getV2(query))
        expect(page.items[0]!.id).toBe(51941)
        expect(page.total_entries).toBe(1)
        const req = cube.api()[0]!
        expect(req.target).toBe(target)
        expect(req.headers["cb-token"]).toBe("APP-TOKEN")
      }).pipe(Effect.provide(cube.layer))
    })
  }

  it.effect("keeps keys it does not know, on the page and on each user; refuses a user of the wrong shape", () => {
    const answers = [
      { status: 200, body: { ...pageV2([userJson(1, { added_later: { x: 1 } })]).body, next_cursor: "c" } },
      pageV2([{ ...userJson(2), login: 42 }])
    ]
    const cube = fakeCube(() => answers.shift()!)
    return Effect.gen(function*() {
      const page = yield* Effect.flatMap(Users.Users, (u) => u.getV2({ login: "x" }))
      expect((page as unknown as Record<string, unknown>).next_cursor).toBe("c")
      expect((page.items[0] as unknown as Record<string, unknown>).added_later).toStrictEqual({ x: 1 })
      const error = yield* Effect.flip(Effect.flatMap(Users.Users, (u) => u.getV2({ login: "x" })))
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toContain("items.0.login")
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("never copies a \"__proto__\" key of the answer onto a page (neither as its prototype nor as a key)", () => {
    const cube = fakeCube(() => ({
      status: 200,
      body: "{\"limit\":100,\"skip\":0,\"total_entries\":0,\"items\":[],\"__proto__\":{\"polluted\":true}}"
    }))
    return Effect.gen(function*() {
      const page = yield* Effect.flatMap(Users.Users, (u) => u.getV2({ login: "x" }))
      expect(Object.getPrototypeOf(page)).toBe(Object.prototype)
      expect(Object.keys(page)).not.toContain("__proto__")
      expect((page as unknown as Record<string, unknown>).polluted).toBeUndefined()
    }).pipe(Effect.provide(cube.layer))
  })

  const bad: ReadonlyArray<readonly [string, unknown, string]> = [
    ["a date without a compare operator, alone", { last_request_at: new Date(2017, 10, 10) }, "last_request_at"],
    ["only an exclude operator", { login: { nin: ["admin19"] } }, "login"],
    ["start_with of 3 characters", { login: { start_with: "vip" } }, "login.start_with"],
    ["a compare operator on a stand-alone field", { id: { gt: 5 } }, "id.gt"],
    ["an empty operator object", { id: {} }, "id"],
    ["an empty in list", { id: { in: [] } }, "id.in"],
    ["limit 0", { login: "x", limit: 0 }, "limit"],
    ["limit 101", { login: "x", limit: 101 }, "limit"],
    ["a negative offset", { login: "x", offset: -1 }, "offset"],
    ["a fractional id", { id: 1.5 }, "id"],
    ["an invalid date", { login: "x", created_at: { gt: new Date(NaN) } }, "created_at.gt"],
    ["a date string that is not ISO", { login: "x", created_at: { gt: "yesterday" } }, "created_at.gt"],
    ["both sort directions", { login: "x", sort_asc: "id", sort_desc: "login" }, "sort_desc"],
    ["an unknown sort field", { login: "x", sort_asc: "password" }, "sort_asc"],
    ["an empty query", {}, ""],
    ["an unknown field", { login: "x", passwd: "y" }, "passwd"],
    ["a blank login", { login: "" }, "login"]
  ]
  for (const [name, query, field] of bad) {
    it.effect(`refuses ${name}, sending nothing`, () => {
      const cube = fakeCube()
      return Effect.gen(function*() {
        const error = yield* invalid(Effect.flatMap(Users.Users, (u) => u.getV2(query as Users.Query)))
        expect(error.field).toBe(field)
        expect(cube.requests).toHaveLength(0)
      }).pipe(Effect.provide(cube.layer))
    })
  }
})

const pageV1 = (items: ReadonlyArray<unknown>, page = 1, perPage = 10, total = items.length) => ({
  status: 200,
  body: { current_page: page, per_page: perPage, total_entries: total, items: items.map((user) => ({ user })) }
})

describe("Users.get (V1, deprecated)", () => {
  const lists: ReadonlyArray<readonly [string, Users.ListParams, string]> = [
    [
      "filter by id in (seed)",
      { page: 1, per_page: 5, filter: { field: "id", param: "in", value: [51941, 51946] } },
      "/users.json?filter[]=number%20id%20in%2051941%2C51946&page=1&per_page=5"
    ],
    [
      "several filters, a date field and an order",
      {
        filter: [{ field: "created_at", param: "gt", value: "2020-01-01" }, { field: "login", param: "eq", value: "bob" }],
        order: { sort: "asc", field: "login" }
      },
      "/users.json?filter[]=date%20created_at%20gt%202020-01-01&filter[]=string%20login%20eq%20bob&order=asc%20string%20login"
    ],
    [
      "a Date value (as ISO) and an order on a date field",
      { filter: { field: "updated_at", param: "between", value: [new Date("2020-01-01T00:00:00Z"), new Date("2021-01-01T00:00:00Z")] }, order: { sort: "desc", field: "created_at" } },
      "/users.json?filter[]=date%20updated_at%20between%202020-01-01T00%3A00%3A00.000Z%2C2021-01-01T00%3A00%3A00.000Z&order=desc%20date%20created_at"
    ],
    ["by full name (seed)", { full_name: "Marvin Samuel" }, "/users/by_full_name.json?full_name=Marvin%20Samuel"],
    ["by tags (seed)", { tags: ["apple"] }, "/users/by_tags.json?tags[]=apple"],
    ["by two tags, page 2", { tags: ["iphone", "apple"], page: 2 }, "/users/by_tags.json?page=2&tags[]=apple&tags[]=iphone"],
    ["by comma-joined tags", { tags: "apple,iphone" }, "/users/by_tags.json?tags=apple%2Ciphone"],
    ["the whole list", {}, "/users.json"]
  ]
  for (const [name, params, target] of lists) {
    it.effect(`lists ${name}`, () => {
      const cube = fakeCube(() => pageV1([userJson(51941)]))
      return Effect.gen(function*() {
        const page = yield* Effect.flatMap(Users.Users, (u) => u.get(params))
        expect(page.items[0]!.user.id).toBe(51941)
        expect(cube.api()[0]!.target).toBe(target)
      }).pipe(Effect.provide(cube.layer))
    })
  }

  it.effect("a V1 page keeps keys it does not know: on the page, the item wrapper and the user", () => {
    const cube = fakeCube(() => ({
      status: 200,
      body: { current_page: 1, per_page: 10, total_entries: 1, extra: 1, items: [{ user: userJson(7, { added_later: 2 }), rank: 3 }] }
    }))
    return Effect.gen(function*() {
      const page = yield* Effect.flatMap(Users.Users, (u) => u.get({ full_name: "Marvin Samuel" }))
      expect((page as unknown as Record<string, unknown>).extra).toBe(1)
      expect((page.items[0] as unknown as Record<string, unknown>).rank).toBe(3)
      expect((page.items[0]!.user as unknown as Record<string, unknown>).added_later).toBe(2)
    }).pipe(Effect.provide(cube.layer))
  })

  const lookups: ReadonlyArray<readonly [string, number | Users.LookupParams, string]> = [
    ["by id", 42, "/users/42.json"],
    ["by login (seed)", { login: "marvin18" }, "/users/by_login.json?login=marvin18"],
    ["by email (seed)", { email: "marvin18@example.com" }, "/users/by_email.json?email=marvin18%40example.com"],
    ["by phone (seed)", { phone: "44678162873" }, "/users/phone.json?phone=44678162873"],
    ["by external_user_id (seed)", { external_user_id: "675373912" }, "/users/external/675373912.json"],
    ["by external (official SDK key)", { external: 777 }, "/users/external/777.json"],
    ["by facebook_id", { facebook_id: 555 }, "/users/by_facebook_id.json?facebook_id=555"],
    ["by twitter_id", { twitter_id: "83510562734" }, "/users/by_twitter_id.json?twitter_id=83510562734"]
  ]
  for (const [name, params, target] of lookups) {
    it.effect(`looks up ${name}`, () => {
      const cube = fakeCube(() => ({ status: 200, body: { user: userJson(81) } }))
      return Effect.gen(function*() {
        const users = yield* Users.Users
        const user = yield* (typeof params === "number" ? users.get(params) : users.get(params))
        expect(user.id).toBe(81)
        expect(cube.api()[0]!.target).toBe(target)
      }).pipe(Effect.provide(cube.layer))
    })
  }

  it("is typed: lookups give a User, lists give a page", () => {
    // Checked by tsc (the test project is type-checked); never run, so `get` needs no service.
    const typed = (get: Users.Users.Service["get"]) => {
        expectTypeOf(get(1)).toEqualTypeOf<Effect.Effect<User.User, Errors.CubeError>>()
      expectTypeOf(get({ login: "x" })).toEqualTypeOf<Effect.Effect<User.User, Errors.CubeError>>()
      expectTypeOf(get({ external_user_id: "1" })).toEqualTypeOf<Effect.Effect<User.User, Errors.CubeError>>()
      expectTypeOf(get({ tags: ["a"] })).toEqualTypeOf<Effect.Effect<Users.PageV1, Errors.CubeError>>()
      expectTypeOf(get({ full_name: "x", page: 2 })).toEqualTypeOf<Effect.Effect<Users.PageV1, Errors.CubeError>>()
    }
    expect(typeof typed).toBe("function")
    expectTypeOf<Users.GetResult<{ readonly login: string }>>().toEqualTypeOf<User.User>()
    expectTypeOf<Users.GetResult<{ readonly tags: ReadonlyArray<string> }>>().toEqualTypeOf<Users.PageV1>()
  })

  const bad: ReadonlyArray<readonly [string, unknown, string]> = [
    ["an empty login", { login: "" }, "login"],
    ["a malformed email", { email: "x" }, "email"],
    ["id 0", 0, "id"],
    ["per_page 101", { tags: ["a"], per_page: 101 }, "per_page"],
    ["page 0", { full_name: "x", page: 0 }, "page"],
    ["no tags", { tags: [] }, "tags"],
    ["an unknown filter field", { filter: { field: "custom_data", param: "eq", value: "x" } }, "filter.field"],
    ["an unknown operator", { filter: { field: "id", param: "like", value: 1 } }, "filter.param"],
    ["between with one value", { filter: { field: "id", param: "between", value: [1] } }, "filter.value"],
    ["gt with a list", { filter: { field: "id", param: "gt", value: [1, 2] } }, "filter.value"],
    ["a Date on a non-date field", { filter: { field: "login", param: "eq", value: new Date() } }, "filter.value"],
    ["an unknown order field", { order: { sort: "asc", field: "password" } }, "order.field"]
  ]
  for (const [name, params, field] of bad) {
    it.effect(`refuses ${name}, sending nothing`, () => {
      const cube = fakeCube()
      return Effect.gen(function*() {
        const error = yield* invalid(Effect.flatMap(Users.Users, (u) => u.get(params as any)))
        expect(error.field).toBe(field)
        expect(cube.requests).toHaveLength(0)
      }).pipe(Effect.provide(cube.layer))
    })
  }
})

/** A fake V2 endpoint over `total` users with ids 1..total, honouring limit/offset. */
const v2Server = (total: number) => (req: Captured) => {
  const params = new URLSearchParams(req.query)
  const limit = Number(params.get("limit") ?? 100)
  const offset = Number(params.get("offset") ?? 0)
  const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => userJson(offset + i + 1))
  return pageV2(items, offset, limit, total)
}

describe("Users.stream", () => {
  it.effect("streams every user once, in order, page by page", () => {
    const cube = fakeCube(v2Server(250))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const all = yield* Stream.runCollect(users.stream({ user_tags: "bulk" }))
      expect(all.map((u) => u.id)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1))
      expect(cube.api().map((r) => r.target)).toEqual([
        "/users/v2.json?limit=100&offset=0&user_tags=bulk",
        "/users/v2.json?limit=100&offset=100&user_tags=bulk",
        "/users/v2.json?limit=100&offset=200&user_tags=bulk"
      ])
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("fetches lazily: taking 10 of pages of 5 makes 2 requests", () => {
    const cube = fakeCube(v2Server(1000))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const ten = yield* Stream.runCollect(Stream.take(users.stream({ user_tags: "bulk", limit: 5 }), 10))
      expect(ten.length).toBe(10)
      expect(cube.api()).toHaveLength(2)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("starts at the query's offset and stops on an empty page", () => {
    const cube = fakeCube(v2Server(30))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const ids = (yield* Stream.runCollect(users.stream({ user_tags: "bulk", offset: 25, limit: 10 })))
        .map((u) => u.id)
      expect(ids).toEqual([26, 27, 28, 29, 30])
      expect(cube.api()).toHaveLength(1)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("an invalid query fails the stream before any request", () => {
    const cube = fakeCube(v2Server(10))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const exit = yield* Effect.exit(Stream.runCollect(users.stream({ login: { start_with: "abc" } })))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(cube.requests).toHaveLength(0)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("streamV1 pages through a V1 list", () => {
    const cube = fakeCube((req) => {
      const params = new URLSearchParams(req.query)
      const page = Number(params.get("page"))
      const perPage = Number(params.get("per_page"))
      const total = 7
      const first = (page - 1) * perPage
      const items = Array.from({ length: Math.max(0, Math.min(perPage, total - first)) }, (_, i) => userJson(first + i + 1))
      return pageV1(items, page, perPage, total)
    })
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const all = yield* Stream.runCollect(users.streamV1({ tags: ["bulk"], per_page: 3 }))
      expect(all.map((u) => u.id)).toEqual([1, 2, 3, 4, 5, 6, 7])
      expect(cube.api().map((r) => r.target)).toEqual([
        "/users/by_tags.json?page=1&per_page=3&tags[]=bulk",
        "/users/by_tags.json?page=2&per_page=3&tags[]=bulk",
        "/users/by_tags.json?page=3&per_page=3&tags[]=bulk"
      ])
    }).pipe(Effect.provide(cube.layer))
  })
})

describe("Users: calls sent once, paths encoded, ids checked", () => {
  const unavailable = { status: 503, body: { errors: ["Service Unavailable"] } }

  it.live("resetPassword is sent once on a transient failure (a second mail is not the caller's choice)", () => {
    const cube = fakeCube(() => unavailable)
    return Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.flatMap(Users.Users, (u) => u.resetPassword("awesomeman@gmail.com")))
      expect(error._tag).toBe("ServerError")
      expect(cube.api().map((r) => `${r.method} ${r.target}`)).toEqual(["POST /users/password/reset.json"])
    }).pipe(Effect.provide(cube.layer))
  })

  it.live("delete and deleteByExternalId are sent once on a transient failure, and the session is kept", () => {
    const cube = fakeCube(() => unavailable)
    return Effect.gen(function*() {
      yield* loginAsUser
      const users = yield* Users.Users
      expect((yield* Effect.flip(users.delete()))._tag).toBe("ServerError")
      expect((yield* Effect.flip(users.deleteByExternalId(7)))._tag).toBe("ServerError")
      expect(cube.api().map((r) => `${r.method} ${r.target}`)).toEqual([
        `DELETE /users/${USER_ID}.json`,
        "DELETE /users/external/7.json"
      ])
      expect(Option.isSome(yield* Effect.flatMap(Session.Session, (s) => s.current))).toBe(true)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("deleteByExternalId forgets the session once the user is gone", () => {
    const cube = fakeCube(() => ({ status: 200, body: "" }))
    return Effect.gen(function*() {
      yield* loginAsUser
      yield* Effect.flatMap(Users.Users, (u) => u.deleteByExternalId("ext-1"))
      expect(cube.requests.slice(1).map((r) => `${r.method} ${r.target}`)).toEqual([
        "DELETE /users/external/ext-1.json",
        "DELETE /session.json"
      ])
      expect(Option.isNone(yield* Effect.flatMap(Session.Session, (s) => s.current))).toBe(true)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("an external id is one path segment: /, ?, # and spaces are escaped", () => {
    const cube = fakeCube(() => ({ status: 200, body: { user: userJson(81) } }))
    return Effect.gen(function*() {
      yield* loginAsUser
      const users = yield* Users.Users
      yield* users.get({ external_user_id: "a/b?c#d e" })
      yield* users.get({ external: "../1" })
      yield* users.deleteByExternalId("a/b?c#d e")
      expect(cube.api().map((r) => `${r.method} ${r.target}`)).toEqual([
        "GET /users/external/a%2Fb%3Fc%23d%20e.json",
        "GET /users/external/..%2F1.json",
        "DELETE /users/external/a%2Fb%3Fc%23d%20e.json"
      ])
    }).pipe(Effect.provide(cube.layer))
  })

  for (const params of ["marvin18", undefined, null, true]) {
    it.effect(`get refuses ${JSON.stringify(params)} as params with InvalidInput, sending nothing`, () => {
      const cube = fakeCube()
      return Effect.gen(function*() {
        const error = yield* invalid(Effect.flatMap(Users.Users, (u) => u.get(params as unknown as number)))
        expect(error.field).toBe("params")
        expect(cube.requests).toHaveLength(0)
      }).pipe(Effect.provide(cube.layer))
    })
  }

  const badIds: ReadonlyArray<unknown> = ["", 0, -1, 1.5, null, {}]
  for (const id of badIds) {
    it.effect(`deleteByExternalId refuses ${JSON.stringify(id)}, sending nothing and keeping the session`, () => {
      const cube = fakeCube(() => ({ status: 200, body: "" }))
      return Effect.gen(function*() {
        yield* loginAsUser
        const error = yield* invalid(Effect.flatMap(Users.Users, (u) => u.deleteByExternalId(id as string)))
        expect(error.field).toBe("id")
        expect(cube.api()).toHaveLength(0)
        expect(Option.isSome(yield* Effect.flatMap(Session.Session, (s) => s.current))).toBe(true)
      }).pipe(Effect.provide(cube.layer))
    })
  }
})

describe("Users.stream and streamV1 against a server that answers less than asked", () => {
  /** Refuses any request after `max`, so a stream that does not stop fails instead of spinning. */
  const atMost = (max: number, route: (req: Captured) => { status: number; body?: unknown }) => {
    let n = 0
    return (req: Captured) => ++n > max ? { status: 400, body: { errors: ["too many requests (test)"] } } : route(req)
  }

  it.effect("stream follows the items received, not the limit asked (a server capping pages loses nobody)", () => {
    // The server answers at most 30 items whatever the limit.
    const cube = fakeCube(atMost(10, (req) => {
      const offset = Number(new URLSearchParams(req.query).get("offset") ?? 0)
      const items = Array.from({ length: Math.max(0, Math.min(30, 70 - offset)) }, (_, i) => userJson(offset + i + 1))
      return pageV2(items, offset, 100, 70)
    }))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const all = yield* Stream.runCollect(users.stream({ user_tags: "bulk" }))
      expect(all.map((u) => u.id)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1))
      expect(cube.api().map((r) => new URLSearchParams(r.query).get("offset"))).toEqual(["0", "30", "60"])
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("stream stops on an empty page even when total_entries promises more", () => {
    const cube = fakeCube(atMost(5, (req) => {
      const offset = Number(new URLSearchParams(req.query).get("offset") ?? 0)
      return pageV2(offset === 0 ? [userJson(1), userJson(2)] : [], offset, 2, 1000)
    }))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const all = yield* Stream.runCollect(users.stream({ user_tags: "bulk", limit: 2 }))
      expect(all.map((u) => u.id)).toEqual([1, 2])
      expect(cube.api()).toHaveLength(2)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("streamV1 stops on an empty page even when total_entries promises more", () => {
    const cube = fakeCube(atMost(5, (req) => {
      const page = Number(new URLSearchParams(req.query).get("page"))
      return pageV1(page === 1 ? [userJson(1), userJson(2)] : [], page, 2, 1000)
    }))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const all = yield* Stream.runCollect(users.streamV1({ full_name: "Bulk", per_page: 2 }))
      expect(all.map((u) => u.id)).toEqual([1, 2])
      expect(cube.api()).toHaveLength(2)
    }).pipe(Effect.provide(cube.layer))
  })

  it.effect("streamV1 asks 100 per page by default, starts at the given page and stops at an exact last page", () => {
    const cube = fakeCube(atMost(10, (req) => {
      const params = new URLSearchParams(req.query)
      const page = Number(params.get("page"))
      const perPage = Number(params.get("per_page"))
      const first = (page - 1) * perPage
      const items = Array.from({ length: Math.max(0, Math.min(perPage, 300 - first)) }, (_, i) => userJson(first + i + 1))
      return pageV1(items, page, perPage, 300)
    }))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const all = yield* Stream.runCollect(users.streamV1({ tags: "bulk", page: 2 }))
      expect(all.length).toBe(200)
      expect(all[0]!.id).toBe(101)
      expect(cube.api().map((r) => r.target)).toEqual([
        "/users/by_tags.json?page=2&per_page=100&tags=bulk",
        "/users/by_tags.json?page=3&per_page=100&tags=bulk"
      ])
    }).pipe(Effect.provide(cube.layer))
  })
})
