import { describe, expect, it } from "@effect/vitest"
import { Errors } from "@connectycube-effect/core"
import { Avatar } from "@connectycube-effect/storage"
import { Deferred, Effect, Exit, Fiber, Option } from "effect"
import { API, fakeHttp, happy, storageLayer } from "./fake.js"

const picture = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])

/**
 * An exit with each reason of its cause as an exit of its own, without the annotations v4 puts on causes (the
 * stack trace of the `Avatar.setAvatar` span), so that it compares to `Exit.fail(e)` / `Exit.die(d)`.
 */
const plain = <A, E>(exit: Exit.Exit<A, E>): Exit.Exit<A, E> | ReadonlyArray<Exit.Exit<never, E>> =>
  Exit.isSuccess(exit)
    ? exit
    : exit.cause.reasons.map((r) =>
      r._tag === "Fail" ? Exit.fail(r.error) : r._tag === "Die" ? Exit.die(r.defect) : Exit.interrupt(r.fiberId)
    )

describe("Avatar.setAvatar", () => {
  it.effect("uploads privately, then updates the user with the blob uid (the seed's flow in one call)", () =>
    Effect.gen(function*() {
      const http = fakeHttp(happy)
      const updates: Array<Avatar.AvatarChanges> = []
      const user = yield* Avatar.setAvatar(
        { name: "me.png", file: picture, type: "image/png" },
        (changes) => Effect.sync(() => (updates.push(changes), { id: 100, avatar: changes.avatar }))
      ).pipe(Effect.provide(storageLayer(http.layer)))
      expect(user).toEqual({ id: 100, avatar: "b1d5a0f0c0ffee00000000000000000000" })
      expect(updates).toEqual([{ avatar: "b1d5a0f0c0ffee00000000000000000000" }])
      expect(http.requests[0].body).toBe(`{"blob":{"name":"me.png","content_type":"image/png","public":false}}`)
      expect(http.requests.map((r) => r.method)).toEqual(["POST", "POST", "PUT"])
    }))

  it.effect("a failed update deletes the uploaded picture and fails with the update's error", () =>
    Effect.gen(function*() {
      const http = fakeHttp(happy)
      const exit = yield* Avatar.setAvatar(
        { name: "me.png", file: picture, type: "image/png" },
        () => Effect.fail(new Errors.Forbidden({ status: 403 }))
      ).pipe(Effect.provide(storageLayer(http.layer)), Effect.exit)
      expect(plain(exit)).toStrictEqual([Exit.fail(new Errors.Forbidden({ status: 403 }))])
      expect(http.requests.map((r) => `${r.method} ${r.url}`).at(-1)).toBe(`DELETE ${API}/blobs/9001.json`)
    }))

  it.effect("invalid input: nothing is uploaded and update is never called", () =>
    Effect.gen(function*() {
      const http = fakeHttp(happy)
      let called = false
      const exit = yield* Avatar.setAvatar(
        { name: "", file: picture, type: "image/png" },
        () => Effect.sync(() => (called = true))
      ).pipe(Effect.provide(storageLayer(http.layer)), Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(called).toBe(false)
      expect(http.requests).toEqual([])
    }))
})

describe("Avatar.setAvatar: no orphaned picture", () => {
  it.effect("an update that dies deletes the uploaded picture too", () =>
    Effect.gen(function*() {
      const http = fakeHttp(happy)
      const exit = yield* Avatar.setAvatar({ name: "me.png", file: picture, type: "image/png" }, () => Effect.die("boom")).pipe(
        Effect.provide(storageLayer(http.layer)),
        Effect.exit
      )
      expect(plain(exit)).toStrictEqual([Exit.die("boom")])
      expect(http.requests.map((r) => `${r.method} ${r.url}`).at(-1)).toBe(`DELETE ${API}/blobs/9001.json`)
    }))

  it.effect("an update that is interrupted deletes the uploaded picture too", () =>
    Effect.gen(function*() {
      const http = fakeHttp(happy)
      const exit = yield* Avatar.setAvatar({ name: "me.png", file: picture, type: "image/png" }, () => Effect.interrupt).pipe(
        Effect.provide(storageLayer(http.layer)),
        Effect.exit
      )
      expect(Exit.hasInterrupts(exit)).toBe(true)
      expect(http.requests.map((r) => `${r.method} ${r.url}`).at(-1)).toBe(`DELETE ${API}/blobs/9001.json`)
    }))
})

describe("Avatar.setAvatar: a caller that gives up", () => {
  it.live("interrupting the caller while the update runs deletes the uploaded picture", () =>
    Effect.gen(function*() {
      const http = fakeHttp(happy)
      const updating = yield* Deferred.make<void>()
      const fiber = yield* Avatar.setAvatar(
        { name: "me.png", file: picture, type: "image/png" },
        () => Effect.andThen(Deferred.succeed(updating, undefined), Effect.never)
      ).pipe(Effect.provide(storageLayer(http.layer)), Effect.forkChild)
      yield* Deferred.await(updating)
      yield* Fiber.interrupt(fiber)
      expect(http.requests.map((r) => `${r.method} ${r.url}`).at(-1)).toBe(`DELETE ${API}/blobs/9001.json`)
    }))
})

describe("Avatar.url", () => {
  it.effect("a blank avatar is None; http and https URLs in any case are kept as stored", () =>
    Effect.gen(function*() {
      const http = fakeHttp(happy)
      const urls = yield* Effect.all([
        Avatar.url("   "),
        Avatar.url(undefined),
        Avatar.url("http://cdn.example.com/me.jpg"),
        Avatar.url("HTTPS://cdn.example.com/me.jpg"),
        Avatar.url("Http://cdn.example.com/me.jpg")
      ]).pipe(Effect.provide(storageLayer(http.layer)))
      expect(urls).toStrictEqual([
        Option.none(),
        Option.none(),
        Option.some("http://cdn.example.com/me.jpg"),
        Option.some("HTTPS://cdn.example.com/me.jpg"),
        Option.some("Http://cdn.example.com/me.jpg")
      ])
      expect(http.requests).toEqual([])
    }))


  it.effect("a uid becomes its private URL, a full URL stays, empty is None", () =>
    Effect.gen(function*() {
      const http = fakeHttp(happy)
      const urls = yield* Effect.all([
        Avatar.url("ABC"),
        Avatar.url("https://cdn.example.com/me.jpg"),
        Avatar.url(""),
        Avatar.url(null)
      ]).pipe(Effect.provide(storageLayer(http.layer)))
      expect(urls).toStrictEqual([
        Option.some(`${API}/blobs/ABC?token=TOKEN7`),
        Option.some("https://cdn.example.com/me.jpg"),
        Option.none(),
        Option.none()
      ])
    }))
})
