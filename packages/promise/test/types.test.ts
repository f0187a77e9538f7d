import ConnectyCube, { createClient, NotFound, ValidationError } from "@connectycube-effect/promise"
import type { Types } from "@connectycube-effect/promise"
import { describe, expectTypeOf, it } from "vitest"

// Compile-time checks (tsc -b): the promise API speaks plain JSON types, in the official SDK's shapes.
describe("types", () => {
  it("resolve types follow the official SDK", () => {
    expectTypeOf(ConnectyCube.createSession).returns.toEqualTypeOf<Promise<Types.Session>>()
    expectTypeOf(ConnectyCube.login).returns.toEqualTypeOf<Promise<Types.User>>()
    expectTypeOf(ConnectyCube.logout).returns.toEqualTypeOf<Promise<string>>()
    expectTypeOf(ConnectyCube.destroySession).returns.toEqualTypeOf<Promise<undefined>>()
    expectTypeOf(ConnectyCube.users.update).returns.toEqualTypeOf<Promise<Types.UserEnvelope>>()
    expectTypeOf(ConnectyCube.users.getV2).returns.toEqualTypeOf<Promise<Types.UsersV2Page>>()
    expectTypeOf(ConnectyCube.storage.createAndUpload).returns.toEqualTypeOf<Promise<Types.Blob>>()
    expectTypeOf(ConnectyCube.storage.privateUrl).returns.toEqualTypeOf<string>()
    expectTypeOf(createClient).returns.toEqualTypeOf<typeof ConnectyCube>()
  })

  it("users.get: an id or a lookup gives {user}", () => {
    const byId = () => ConnectyCube.users.get(42)
    const byLogin = () => ConnectyCube.users.get({ login: "marvin18" })
    expectTypeOf(byId).returns.toEqualTypeOf<Promise<Types.UserEnvelope>>()
    expectTypeOf(byLogin).returns.toEqualTypeOf<Promise<Types.UserEnvelope>>()
  })

  it("an error class narrows to the error with the official code and info", () => {
    const check = (e: unknown) => {
      if (e instanceof ValidationError) {
        expectTypeOf(e.code).toEqualTypeOf<number | string>()
        expectTypeOf(e.status).toEqualTypeOf<number>()
        expectTypeOf(e._tag).toEqualTypeOf<"ValidationError">()
      }
      if (e instanceof NotFound) expectTypeOf(e.info).toBeUnknown()
    }
    expectTypeOf(check).toBeFunction()
  })
})
