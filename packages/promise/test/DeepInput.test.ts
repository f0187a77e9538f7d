/**
 * Issue 17 item 6 in the promise adapter: a deep `custom_data` and `createSession(null)` reject with an error that
 * has `code` and `info` (as every other failure), with nothing sent.
 */
import { describe, expect, it } from "@effect/vitest"
import { createClient, InvalidInput } from "@connectycube-effect/promise"
import { fakeFetch } from "./fake.js"

const creds = { appId: 1, authKey: "key" }
const config = { endpoints: { api_url: "http://cube.test" } }

const deep = (levels: number): unknown => {
  let value: unknown = "leaf"
  for (let i = 0; i < levels; i++) value = { a: value }
  return value
}

describe("promise adapter: bad input", () => {
  it("createSession(null): InvalidInput with code and info, nothing sent", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 500 }))
    await using cube = createClient({ credentials: creds, config, fetch })
    const error = await cube.createSession(null as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidInput)
    expect((error as InvalidInput).code).toBe(422)
    expect((error as InvalidInput).info).toBeTypeOf("object")
    expect(requests).toHaveLength(0)
  })

  it("signup and update with a 5,000-deep custom_data: InvalidInput(custom_data), nothing sent", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 500 }))
    await using cube = createClient({ credentials: creds, config, fetch })
    for (const attempt of [
      () => cube.users.signup({ login: "deepuser", password: "pwd", custom_data: deep(5_000) as string }),
      () => cube.users.update({ custom_data: deep(5_000) as string })
    ]) {
      const error = await attempt().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidInput)
      expect((error as InvalidInput).info).toEqual({ errors: { custom_data: [expect.any(String)] } })
    }
    expect(requests).toHaveLength(0)
  })
})
