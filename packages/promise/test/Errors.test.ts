import * as CoreErrors from "@connectycube-effect/core/Errors"
import { compat, withCompat } from "@connectycube-effect/promise/Errors"
import { describe, expect, it } from "vitest"

describe("compat: the official {code, info} of each error", () => {
  it("a 408 is a Timeout with code 408; a timeout without an answer is ETIMEDOUT", () => {
    expect(compat(CoreErrors.fromResponse({ status: 408, body: undefined }))).toEqual({ code: 408, info: " " })
    expect(compat(new CoreErrors.Timeout({ timeoutMs: 50 }))).toEqual({ code: "ETIMEDOUT", info: " " })
  })

  it("an undecodable answer keeps its status as code; without one, ERR_DECODE", () => {
    expect(compat(new CoreErrors.DecodeError({ status: 200, description: "not JSON" }))).toEqual({ code: 200, info: " " })
    expect(compat(new CoreErrors.DecodeError({ description: "not JSON" }))).toEqual({ code: "ERR_DECODE", info: " " })
  })

  it("InvalidInput without a field reports under base, as the server does", () => {
    expect(compat(new CoreErrors.InvalidInput({ field: "", reason: "is invalid" }))).toEqual({
      code: 422,
      info: { errors: { base: ["is invalid"] } }
    })
    expect(compat(new CoreErrors.InvalidInput({ field: "login", reason: "cannot be blank" })).info).toEqual({
      errors: { login: ["cannot be blank"] }
    })
  })

  it("info is \" \" for a body that is not a JSON object or array (null, a string, none)", () => {
    for (const body of [null, "<html>oops</html>", undefined, 42]) {
      expect(compat(CoreErrors.fromResponse({ status: 404, body })), String(body)).toEqual({ code: 404, info: " " })
    }
    expect(compat(CoreErrors.fromResponse({ status: 404, body: ["gone"] })).info).toEqual(["gone"])
  })
})

describe("withCompat", () => {
  it("adds code and info as own enumerable properties (they show in JSON and logs), on the same instance", () => {
    const error = new CoreErrors.NotFound({ status: 404, body: { errors: { base: ["Not found"] } } })
    const same = withCompat(error)
    expect(same).toBe(error)
    expect(same).toBeInstanceOf(CoreErrors.NotFound)
    expect(Object.keys(same)).toEqual(expect.arrayContaining(["code", "info"]))
    expect(JSON.parse(JSON.stringify(same))).toMatchObject({ code: 404, info: { errors: { base: ["Not found"] } } })
  })

  it("leaves anything that is not an SDK error as it is", () => {
    const error = new Error("other")
    expect(withCompat(error)).toBe(error)
    expect(Object.hasOwn(error, "code")).toBe(false)
    expect(withCompat("text")).toBe("text")
  })
})
