import { describe, expect, it } from "@effect/vitest"
import { Errors } from "@connectycube-effect/core"
import { Emulator, Routes } from "@connectycube-effect/emulator"
import { Cube, Session } from "@connectycube-effect/http"
import { Avatar, Storage } from "@connectycube-effect/storage"
import { Users } from "@connectycube-effect/users"
import { NodeHttpClient } from "@effect/platform-node"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Option, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import * as Crypto from "node:crypto"

// The seed's "User avatar" sample, and large uploads, through the Effect SDK against the emulator on a
// real loopback port.

const MB = 1024 * 1024

/** One client (its own session) for the emulator at `url`. */
const client = (url: string, http: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer) =>
  Layer.mergeAll(Storage.layer, Users.layer).pipe(
    Layer.provideMerge(Cube.layer({ appId: 1, authKey: "emulator-auth-key", apiUrl: url })),
    Layer.provide(http)
  )

const signIn = (login: string) =>
  Effect.flatMap(Session.Session, (s) => s.create({ login, password: "password1" }))

const withEmulator = <A, E>(f: (emu: Emulator.Service) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(Effect.orDie(Emulator.make()), f))

/**
 * `size` bytes of a deterministic pattern, produced chunk by chunk (never one buffer), with its md5 computed
 * as it is pulled.
 */
const generated = (size: number, chunkSize = MB) => {
  const md5 = Crypto.createHash("md5")
  const stream = Stream.unfold(0, (at) =>
    Effect.sync(() => {
      if (at >= size) return undefined
      const n = Math.min(chunkSize, size - at)
      const chunk = new Uint8Array(n)
      for (let i = 0; i < n; i += 4096) chunk[i] = ((at + i) / 4096) & 0xff
      md5.update(chunk)
      return [chunk, at + n] as const
    }))
  return { stream, digest: () => md5.digest("hex") }
}

const isMonotonicToTotal = (events: ReadonlyArray<Storage.Progress>, total: number) =>
  events.length > 0 &&
  events.every((e, i) => e.total === total && (i === 0 || e.sent >= events[i - 1]!.sent)) &&
  events.at(-1)!.sent === total

/** The seed's full flow needs the emulator's users routes (PUT /users/:id, GET /users/v2). */
const hasUsersRoutes = ["/users/:id", "/users/v2"].every((path) => Routes.all.some((r) => r.path === path))

const itWithUsersRoutes = hasUsersRoutes ? it.live : it.live.skip

const readAs = (login: string, url: string, uid: string) =>
  Effect.gen(function*() {
    yield* signIn(login)
    const storage = yield* Storage.Storage
    const privateUrl = yield* storage.privateUrl(uid)
    const viaUrl = yield* Effect.promise(() =>
      fetch(privateUrl).then(async (r) => ({
        status: r.status,
        type: r.headers.get("content-type"),
        bytes: Buffer.from(await r.arrayBuffer())
      }))
    )
    return {
      privateUrl,
      viaUrl,
      viaSdk: yield* storage.download(uid),
      info: yield* storage.getByUid(uid),
      publicUrl: yield* storage.publicUrl(uid)
    }
  }).pipe(Effect.provide(client(url)))

describe("User avatar (seed sample) end to end", () => {
  it.live("A uploads a private file; B gets the same bytes through privateUrl; without a token it is refused", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const picture = Crypto.randomBytes(64 * 1024)
        const blob = yield* Effect.gen(function*() {
          yield* signIn("alice")
          const storage = yield* Storage.Storage
          return yield* storage.createAndUpload({
            name: "me.png",
            file: new Blob([picture], { type: "image/png" }),
            type: "image/png",
            size: picture.byteLength,
            public: false
          })
        }).pipe(Effect.provide(client(emu.url)))
        expect(blob).toMatchObject({ public: false, size: picture.byteLength })
        expect(blob.uid).toMatch(/^[0-9A-F]{36}$/)

        const seen = yield* readAs("bob", emu.url, blob.uid)
        expect(seen.privateUrl).toMatch(new RegExp(`^${emu.url}/blobs/${blob.uid}\\?token=[0-9A-F]{36}$`))
        expect(seen.viaUrl.status).toBe(200)
        expect(seen.viaUrl.type).toBe("image/png")
        expect(Buffer.compare(seen.viaUrl.bytes, picture)).toBe(0)
        expect(Buffer.compare(Buffer.from(seen.viaSdk), picture)).toBe(0)
        expect(seen.info).toMatchObject({ uid: blob.uid, public: false, size: picture.byteLength, blob_status: "complete" })

        // Without a token (the public URL of a private blob): refused.
        const anonymous = yield* Effect.promise(() => fetch(seen.publicUrl).then(async (r) => [r.status, await r.json()] as const))
        expect(anonymous).toEqual([401, { errors: ["Token is required"] }])

        // The SDK download without any session fails typed.
        const noSession = yield* Effect.flatMap(Storage.Storage, (s) => s.download(blob.uid)).pipe(
          Effect.provide(client(emu.url)),
          Effect.flip
        )
        expect(noSession).toBeInstanceOf(Errors.Unauthorized)
      })))

  itWithUsersRoutes("the seed's flow: Avatar.setAvatar (upload + users.update), then B shows A's avatar", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const picture = Crypto.randomBytes(32 * 1024)
        const updated = yield* Effect.gen(function*() {
          yield* signIn("alice")
          const users = yield* Users.Users
          return yield* Avatar.setAvatar(
            { name: "me.png", file: picture, type: "image/png", public: false },
            (changes) => users.update(changes)
          )
        }).pipe(Effect.provide(client(emu.url)))
        expect(updated.avatar).toMatch(/^[0-9A-F]{36}$/)

        const shown = yield* Effect.gen(function*() {
          yield* signIn("bob")
          const users = yield* Users.Users
          const alice = (yield* users.getV2({ login: "alice" })).items[0]!
          const src = Option.getOrThrow(yield* Avatar.url(alice.avatar))
          return yield* Effect.promise(() => fetch(src).then(async (r) => Buffer.from(await r.arrayBuffer())))
        }).pipe(Effect.provide(client(emu.url)))
        expect(Buffer.compare(shown, picture)).toBe(0)
      })))
})

describe("large uploads", () => {
  for (
    const [name, http] of [
      ["FetchHttpClient", FetchHttpClient.layer],
      ["NodeHttpClient (undici)", NodeHttpClient.layerUndici],
      ["UndiciClient", UndiciClient.layer]
    ] as const
  ) {
    it.live(`50 MB from a generated stream (${name}): progress is monotonic and ends at the total; the bytes arrive intact`, () =>
      withEmulator((emu) =>
        Effect.gen(function*() {
          const size = 50 * MB
          const source = generated(size)
          const events: Array<Storage.Progress> = []
          const blob = yield* Effect.gen(function*() {
            yield* signIn("carol")
            const storage = yield* Storage.Storage
            return yield* storage.createAndUpload({
              name: "big.bin",
              file: source.stream,
              size,
              type: "application/octet-stream",
              onProgress: (p) => events.push(p)
            })
          }).pipe(Effect.provide(client(emu.url, http)))
          expect(blob.size).toBe(size)
          expect(isMonotonicToTotal(events, size)).toBe(true)
          expect(events.length).toBeGreaterThanOrEqual(50)

          // Read it back as a stream and compare digests.
          const back = yield* Effect.gen(function*() {
            yield* signIn("carol")
            const storage = yield* Storage.Storage
            const md5 = Crypto.createHash("md5")
            const bytes = yield* Stream.runFold(storage.downloadStream(blob.uid), () => 0, (n, chunk) => {
              md5.update(chunk)
              return n + chunk.byteLength
            })
            return { bytes, digest: md5.digest("hex"), info: yield* storage.get(blob.id) }
          }).pipe(Effect.provide(client(emu.url, http)))
          expect(back.bytes).toBe(size)
          expect(back.digest).toBe(source.digest())
          expect(back.info.blob_status).toBe("complete")
        })), 60_000)
  }

  it.live("createAndUploadWithProgress streams progress events and ends with Done", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const size = 5 * MB + 123
        const events = yield* Effect.gen(function*() {
          yield* signIn("dave")
          const storage = yield* Storage.Storage
          return yield* Stream.runCollect(
            storage.createAndUploadWithProgress({ name: "p.bin", file: generated(size).stream, size, type: "application/octet-stream" })
          )
        }).pipe(Effect.provide(client(emu.url)))
        const list = events
        const last = list.at(-1)!
        expect(last._tag).toBe("Done")
        const progress = list.filter((e): e is Storage.UploadEvent & { _tag: "Progress" } => e._tag === "Progress")
        expect(isMonotonicToTotal(progress, size)).toBe(true)
      })))

  for (const cleanup of [true, false]) {
    it.live(`interrupting mid-upload leaves no completed blob (cleanup: ${cleanup})`, () =>
      withEmulator((emu) =>
        Effect.gen(function*() {
          const size = 80 * MB
          const halfway = yield* Deferred.make<void>()
          const { listing, requests } = yield* Effect.gen(function*() {
            yield* signIn("erin")
            const storage = yield* Storage.Storage
            const fiber = yield* Effect.forkChild(storage.createAndUpload({
              name: "cut.bin",
              // A slow link: the upload is still going when it is interrupted.
              file: generated(size, 256 * 1024).stream.pipe(Stream.tap(() => Effect.sleep("2 millis"))),
              size,
              type: "application/octet-stream",
              cleanup,
              onProgress: (p) => {
                if (p.sent >= 5 * MB) Deferred.doneUnsafe(halfway, Effect.void)
              }
            }))
            yield* Deferred.await(halfway)
            yield* Fiber.interrupt(fiber)
            const exit = yield* Fiber.await(fiber)
            expect(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(true)
            // Let the emulator notice the aborted body.
            yield* Effect.sleep("100 millis")
            return { listing: yield* storage.list({ per_page: 100 }), requests: yield* emu.requests }
          }).pipe(Effect.provide(client(emu.url)))
          expect(listing.items.filter((i) => i.blob.blob_status === "complete")).toEqual([])
          expect(listing.total_entries).toBe(cleanup ? 0 : 1)
          expect(requests.filter((r) => r.path.includes("/complete"))).toEqual([])
          if (cleanup) expect(requests.some((r) => r.method === "DELETE" && r.path.startsWith("/blobs/"))).toBe(true)
        })), 60_000)
  }
})
