/**
 * The tour `pnpm demo` runs: ConnectyCube's "Authentication and Users" guide, step by step, as one Effect
 * program. It starts the emulator in-process on a free port, unless CONNECTYCUBE_APP_ID and
 * CONNECTYCUBE_AUTH_KEY are set: then the same program runs against the real API (emulator-only steps,
 * such as moving the clock, are skipped).
 */
import { Errors } from "@connectycube-effect/core"
import { Emulator } from "@connectycube-effect/emulator"
import { Cube, Session } from "@connectycube-effect/http"
import { Avatar, Storage } from "@connectycube-effect/storage"
import { Users } from "@connectycube-effect/users"
import { Console, Effect, Fiber, Layer, Option, Stream } from "effect"
import { FetchHttpClient } from "effect/http"

const step = (title: string) => Console.log(`\n▸ ${title}`)
// Yields first, so the session events a step caused (printed by a forked fiber) come before its result, not after
// the next step's title.
const show = (label: string, value: unknown) =>
  Effect.andThen(Effect.yieldNow, Console.log(`  ${label}: ${typeof value === "string" ? value : JSON.stringify(value)}`))

const tour = (emulator: Option.Option<Emulator.Service>) =>
  Effect.gen(function*() {
    const session = yield* Session.Session
    const users = yield* Users.Users
    const storage = yield* Storage.Storage
    const events = yield* Effect.forkChild(
      Stream.runForEach(session.events, (event) => Console.log(`  ⚑ session event: ${event._tag}`))
    )
    const suffix = Date.now().toString(36)
    const login = `marvin${suffix}`
    const password = "supersecurepwd"

    yield* step("Create an application session (read-only)")
    const app = yield* session.create()
    yield* show("session", { id: app.id, application_id: app.application_id, user_id: app.user_id ?? null, token: "<redacted>" })

    yield* step("Read it back: GET /session")
    const again = yield* session.get
    yield* show("same session", again.id === app.id)

    yield* step("Sign up a user (the guide's profile)")
    const user = yield* users.signup({
      login,
      password,
      email: `${login}@example.com`,
      full_name: "Marvin Simon",
      phone: "47802323143",
      website: "https://dozensofdreams.com",
      tag_list: ["iphone", "apple"],
      custom_data: JSON.stringify({ middle_name: "Bartoleo" })
    })
    yield* show("user", { id: user.id, login: user.login, user_tags: user.user_tags, custom_data: user.custom_data })

    yield* step("A wrong credential form is refused before anything is sent")
    const refused = yield* Effect.flip(session.create({ login, password: "" }))
    yield* show(refused._tag, refused.message)

    yield* step("Sign in: upgrade the application session with login (POST /login)")
    const me = yield* session.login({ login, password })
    yield* show("logged in as", `${me.full_name} (#${me.id})`)

    yield* step("Update the profile")
    const updated = yield* users.update({ full_name: "Mar Sim" })
    yield* show("full_name", updated.full_name)

    yield* step("Set an avatar: upload privately, then users.update({avatar: uid})")
    const bytes = new TextEncoder().encode("a tiny avatar, pretend it is a PNG")
    const withAvatar = yield* Avatar.setAvatar(
      { name: "avatar.png", file: bytes, type: "image/png", public: false },
      (changes) => users.update(changes)
    )
    const url = yield* storage.privateUrl(withAvatar.avatar ?? "")
    yield* show("avatar", withAvatar.avatar)
    yield* show("private URL", url.replace(/token=[^&]+/, "token=<redacted>"))

    yield* step("Search users (V2): by login, by ids, by last_request_at")
    const byLogin = yield* users.getV2({ login })
    yield* show("by login", `${byLogin.total_entries} match(es)`)
    const byIds = yield* users.getV2({ id: { in: [me.id] }, limit: 10 })
    yield* show("by id in", byIds.items.map((u) => u.login))
    const recent = yield* users.getV2({ id: { in: [me.id] }, last_request_at: { gt: new Date(2017, 10, 10) } })
    yield* show("active since 2017-11-10", recent.total_entries)

    yield* step("The deprecated V1 lookup still works")
    const v1 = yield* users.get({ login })
    yield* show("V1 by_login", v1.id === me.id)

    if (Option.isSome(emulator)) {
      yield* step("Session expiry: move the emulator clock 2 hours and 1 minute ahead")
      yield* emulator.value.advanceClock(2 * 60 * 60 * 1000 + 60_000)
      const after = yield* users.getV2({ login })
      yield* show("the next call still works", `${after.total_entries} match(es); the SDK re-created the session once`)

      yield* step("Password reset mail (read from the emulator's outbox)")
      yield* users.resetPassword(`${login}@example.com`)
      const mails = yield* emulator.value.emails
      yield* show("mail", mails.at(-1)?.subject ?? "(none)")
    }

    yield* step("Sign out (DELETE /login), then a write is refused with a typed error")
    yield* session.logout
    const denied = yield* Effect.flip(users.update({ full_name: "nope" }))
    yield* show(denied._tag, Errors.isCubeError(denied) ? denied.message.split(".")[0] : String(denied))

    yield* step("Delete the user (signed in again), then destroy the session")
    yield* session.login({ login, password })
    yield* users.delete()
    yield* session.destroy
    yield* show("done", "user deleted, session destroyed")
    yield* Effect.sleep("10 millis")
    yield* Fiber.interrupt(events)
  })

const fromEnv = process.env.CONNECTYCUBE_APP_ID !== undefined && process.env.CONNECTYCUBE_AUTH_KEY !== undefined

const services = (options: Cube.Options) =>
  Layer.mergeAll(Users.layer, Storage.layer).pipe(
    Layer.provideMerge(Cube.layer(options)),
    Layer.provide(FetchHttpClient.layer)
  )

const main = fromEnv
  ? Effect.gen(function*() {
    yield* Console.log(`Running against ${process.env.CONNECTYCUBE_API_URL ?? "https://api.connectycube.com"}`)
    yield* tour(Option.none()).pipe(
      Effect.provide(
        services({
          appId: process.env.CONNECTYCUBE_APP_ID!,
          authKey: process.env.CONNECTYCUBE_AUTH_KEY!,
          apiUrl: process.env.CONNECTYCUBE_API_URL
        })
      )
    )
  })
  : Effect.scoped(Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    yield* Console.log(`Emulator listening on ${emulator.url} (app id 1, auth key "emulator-auth-key")`)
    yield* tour(Option.some(emulator)).pipe(
      Effect.provide(services({ appId: 1, authKey: "emulator-auth-key", apiUrl: emulator.url }))
    )
  }))

Effect.runPromise(main).then(
  () => console.log("\nTour complete."),
  (error) => {
    console.error("\nTour failed:", error)
    process.exitCode = 1
  }
)
