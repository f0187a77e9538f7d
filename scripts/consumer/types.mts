/**
 * The consumer check's type fixture (scripts/consumer-check.mjs): every public type a user writes, from the
 * installed packages, under strict TypeScript. Copied as types.mts (ESM resolution) and types.cts (CommonJS).
 * Nothing here runs; `tsc --noEmit` must accept it.
 */
import { Blob, CubeConfig, Errors, Paging, Session as CoreSession, User, UsersQuery } from "@connectycube-effect/core"
import { Emulator } from "@connectycube-effect/emulator"
import { Cube, CubeHttpClient, Session, SessionStore } from "@connectycube-effect/http"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import ConnectyCube, { createClient, NotFound, type Client, type PromiseError, type Types } from "@connectycube-effect/promise"
import { Avatar, Storage } from "@connectycube-effect/storage"
import { Users } from "@connectycube-effect/users"
import { Effect, Layer, Option, Stream } from "effect"
import { FetchHttpClient } from "effect/http"

// every service tag in a type position: Effect's requirements, Layer outputs, the service shapes
type Needs = Users.Users | Session.Session | Storage.Storage | CubeConfig.CubeConfig | CubeHttpClient.CubeHttpClient
export const needs = <A, E>(effect: Effect.Effect<A, E, Needs>): Effect.Effect<A, E, Needs> => effect
export const usersService = (users: Users.Users.Service): Users.Users.Service => users
export const sessionService = (session: Session.Session.Service): Session.Session.Service => session
export const storageService = (storage: Storage.Storage.Service): Storage.Storage.Service => storage
export const storeService = (store: SessionStore.SessionStore.Service): SessionStore.SessionStore.Service => store
export const emulatorService = (emulator: Emulator.Service): string => emulator.url
export const layers: Layer.Layer<
  Users.Users | Storage.Storage | Session.Session | CubeConfig.CubeConfig | CubeHttpClient.CubeHttpClient,
  Errors.InvalidInput
> =
  Layer.mergeAll(Users.layer, Storage.layer).pipe(
    Layer.provideMerge(Cube.layer({ appId: 1, authKey: "emulator-auth-key" })),
    Layer.provide(FetchHttpClient.layer)
  )
export const undici: Layer.Layer<Session.Session | CubeConfig.CubeConfig | CubeHttpClient.CubeHttpClient, Errors.InvalidInput> = Cube.layer({
  appId: 1,
  authKey: "k"
}).pipe(Layer.provide(UndiciClient.layer))

// docs/testing.md's shapes: a helper typed with service tags, and an in-memory Users
export const withEmulator = <A, E>(test: (emulator: Emulator.Service) => Effect.Effect<A, E, Users.Users | Session.Session>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    return yield* test(emulator).pipe(
      Effect.provide(Users.layer.pipe(
        Layer.provideMerge(Cube.layer({ appId: 1, authKey: "emulator-auth-key", apiUrl: emulator.url })),
        Layer.provide(FetchHttpClient.layer)
      ))
    )
  })
const marvin: User.User = new User.User({ id: 81, login: "marvin18", full_name: "Marvin Simon" })
export const InMemoryUsers: Layer.Layer<Users.Users> = Layer.mock(Users.Users, {
  getV2: (query: Users.Query) => {
    const items: ReadonlyArray<User.User> = query.login === "marvin18" ? [marvin] : []
    const page: Paging.PageV2<User.User> = { limit: 10, skip: 0, total_entries: items.length, items }
    return Effect.succeed(page)
  }
})

// the schema classes and the error union as types
export const blobUid = (blob: Blob.Blob): string => blob.uid
export const sessionToken = (session: CoreSession.Session): number => session.application_id
export const query: UsersQuery.Input = { login: "marvin18" }
export const describeError = (error: Errors.CubeError): string => {
  const notFound: Errors.NotFound | undefined = error._tag === "NotFound" ? error : undefined
  const expired: Errors.SessionExpired | undefined = error instanceof Errors.SessionExpired ? error : undefined
  return `${error._tag} ${notFound?.status ?? ""} ${expired?.message ?? ""}`
}
export const recovered: Effect.Effect<string, Errors.InvalidInput | Errors.DecodeError | Errors.Timeout | Errors.TransportError | Errors.BadRequest | Errors.ServerError | Errors.RateLimited | Errors.Forbidden, Users.Users> =
  Effect.flatMap(Users.Users, (users) => users.getV2({ login: "marvin18" })).pipe(
    Effect.map((page) => page.items[0]?.login ?? "none"),
    Effect.catchTags({
      SessionExpired: (e: Errors.SessionExpired) => Effect.succeed(e.message),
      Unauthorized: (e: Errors.Unauthorized) => Effect.succeed(String(e.status)),
      NotFound: (e: Errors.NotFound) => Effect.succeed(String(e.status)),
      ValidationError: (e: Errors.ValidationError) => Effect.succeed(Object.keys(e.errors).join())
    })
  )
export const events: Effect.Effect<void, never, Session.Session> = Effect.flatMap(Session.Session, (session) =>
  Stream.runForEach(session.events, (event: Session.SessionEvent) => Effect.log(event._tag)))
export const info: Effect.Effect<Option.Option<Session.Info>, never, Session.Session> = Effect.flatMap(Session.Session, (s) => s.current)
export const avatar = (file: Uint8Array): Effect.Effect<User.User, Errors.CubeError, Users.Users | Storage.Storage> =>
  Effect.flatMap(Users.Users, (users) =>
    Avatar.setAvatar({ name: "a.png", file, type: "image/png" }, (changes: Avatar.AvatarChanges) => users.update(changes)))

// the promise adapter's types
export const client = (): Client => createClient({ credentials: { appId: 1, authKey: "k" } })
export const promiseSession = async (): Promise<Types.Session> => ConnectyCube.createSession()
export const promiseUser = async (): Promise<Types.User> => (await ConnectyCube.users.signup({ login: "a", password: "bbbbbbbb" })).user
export const onError = (error: PromiseError): string => {
  if (error instanceof NotFound) return `${error.code} ${JSON.stringify(error.info)}`
  return error._tag
}
