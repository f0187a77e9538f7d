/**
 * Issue 17 item 6: input the SDK cannot send (a deeply nested `custom_data`) is `InvalidInput` naming the field,
 * with nothing sent, never a `RangeError` defect.
 */
import { describe, expect, it } from "@effect/vitest"
import { Errors } from "@connectycube-effect/core"
import { Session } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { Effect, Exit } from "effect"
import { fakeCube, USER_ID, userJson } from "./fake.js"

const deep = (levels: number): unknown => {
  let value: unknown = "leaf"
  for (let i = 0; i < levels; i++) value = { a: value }
  return value
}

describe("deep input", () => {
  for (const levels of [5_000, 100_000]) {
    it.effect(`signup and update with a ${levels}-deep custom_data: InvalidInput(custom_data), nothing sent`, () => {
      const cube = fakeCube(() => ({ status: 200, body: { user: userJson(USER_ID) } }))
      return Effect.gen(function*() {
        const users = yield* Users.Users
        yield* Effect.flatMap(Session.Session, (s) => s.create({ login: "cubeuser", password: "awesomepwd" }))
        const sent = cube.requests.length
        for (
          const attempt of [
            users.signup({ login: "deepuser", password: "pwd", custom_data: deep(levels) as string }),
            users.update({ custom_data: deep(levels) as string })
          ]
        ) {
          const exit = yield* Effect.exit(attempt)
          expect(Exit.isFailure(exit)).toBe(true)
          if (Exit.isFailure(exit)) {
            const error = exit.cause.reasons[0]
            expect(error?._tag).toBe("Fail")
            const failure = (error as { error: unknown }).error
            expect(failure).toBeInstanceOf(Errors.InvalidInput)
            expect((failure as Errors.InvalidInput).field).toBe("custom_data")
          }
        }
        expect(cube.requests.length).toBe(sent)
      }).pipe(Effect.provide(cube.layer))
    })
  }
})
