import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Body from "../src/internal/Body.js"
import * as RailsQuery from "../src/internal/RailsQuery.js"
import * as Time from "../src/internal/Time.js"
import { redactQuery } from "../src/RequestLog.js"
import * as Signature from "../src/internal/Signature.js"

describe("RailsQuery.parseQuery", () => {
  it("nests bracket keys and repeated [] entries", () => {
    assert.deepStrictEqual(RailsQuery.parseQuery("id[in][]=1&id[in][]=2&limit=10"), { id: { in: ["1", "2"] }, limit: "10" })
    assert.deepStrictEqual(RailsQuery.parseQuery("user[login]=john&user[password]=p"), { user: { login: "john", password: "p" } })
  })

  it("decodes %20, + and lower-case escapes", () => {
    assert.deepStrictEqual(RailsQuery.parseQuery("filter[]=number%20id%20in%2051941%2c51946"), {
      filter: ["number id in 51941,51946"]
    })
    assert.deepStrictEqual(RailsQuery.parseQuery("order=asc+string+login"), { order: "asc string login" })
    assert.deepStrictEqual(RailsQuery.parseQuery("full_name[start_with]=Awes%20ome%2B%26"), { full_name: { start_with: "Awes ome+&" } })
  })

  it("keeps a comma list as one value; RailsQuery.list reads both forms", () => {
    const q = RailsQuery.parseQuery("id[in]=1,2")
    assert.deepStrictEqual(q, { id: { in: "1,2" } })
    assert.deepStrictEqual(RailsQuery.list((q.id as any).in), ["1", "2"])
    assert.deepStrictEqual(RailsQuery.list(["1", "2"]), ["1", "2"])
    assert.deepStrictEqual(RailsQuery.list(undefined), [])
  })

  it("drops prototype keys and survives a stray %", () => {
    const q = RailsQuery.parseQuery("__proto__[x]=1&a[constructor]=2&b=%zz")
    assert.deepStrictEqual(q, { b: "%zz" })
    assert.strictEqual(({} as any).x, undefined)
  })
})

describe("Body.parse", () => {
  it("expands the flat Firebase keys the official SDK sends in JSON", () => {
    const body = Result.getOrThrow(Body.parse(
      "application/json;charset=utf-8",
      Buffer.from(JSON.stringify({ provider: "firebase_phone", "firebase_phone[project_id]": "p", "firebase_phone[access_token]": "t" }))
    ))
    assert.deepStrictEqual(body, { provider: "firebase_phone", firebase_phone: { project_id: "p", access_token: "t" } })
  })

  it("reads form bodies with bracket keys", () => {
    const body = Result.getOrThrow(Body.parse(
      "application/x-www-form-urlencoded; charset=UTF-8",
      Buffer.from("application_id=1&auth_key=k&user%5Blogin%5D=john&user[password]=a+b")
    ))
    assert.deepStrictEqual(body, { application_id: "1", auth_key: "k", user: { login: "john", password: "a b" } })
  })

  it("refuses malformed JSON (400), non-objects (422) and other media types (400)", () => {
    const status = (ct: string, text: string) =>
      Result.match(Body.parse(ct, Buffer.from(text)), { onFailure: (e) => e.status, onSuccess: () => 200 })
    assert.strictEqual(status("application/json", "{\"a\":"), 400)
    assert.strictEqual(status("application/json", "[1,2]"), 422)
    assert.strictEqual(status("application/xml", "<a/>"), 400)
    assert.strictEqual(status("application/json", ""), 200)
  })
})

describe("formatting", () => {
  it("formats CB-Token-ExpirationDate and entity timestamps", () => {
    const ms = Date.UTC(2023, 7, 25, 13, 29, 29, 123)
    assert.strictEqual(Time.formatExpiration(ms), "2023-08-25 13:29:29 UTC")
    assert.strictEqual(Time.isoSeconds(ms), "2023-08-25T13:29:29Z")
    assert.strictEqual(Time.isoMillis(ms), "2023-08-25T13:29:29.123Z")
  })

  it("isoSeconds agrees with Date#toISOString at every kind of boundary", () => {
    const reference = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z")
    const samples = [0, 999, 1000, 86_399_999, 86_400_000, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2100, 2, 1),
      Date.UTC(1999, 11, 31, 23, 59, 59), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -1, -86_400_001,
      -0, -0.5, 0.5, 999.999, 253_402_300_799_999.5]
    for (let ms = 0; ms < 253_402_300_800_000; ms += 9_876_543_211) samples.push(ms)
    // a fixed pseudo-random sequence (a 32-bit LCG), so a failure reproduces
    let seed = 42
    const next = () => (seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(next() * 253_402_300_800_000))
    for (const ms of samples) assert.strictEqual(Time.isoSeconds(ms), reference(ms), String(ms))
    assert.throws(() => Time.isoSeconds(NaN))
  })

  it("redacts secret query values", () => {
    assert.strictEqual(redactQuery("token=ABC&size=1"), "token=[REDACTED]&size=1")
    assert.strictEqual(redactQuery("auth_key=k&user%5Bpassword%5D=p"), "auth_key=[REDACTED]&user%5Bpassword%5D=[REDACTED]")
  })
})

describe("Signature", () => {
  // Vectors from official-sdk.md §3.2 (computed with the real 3.35.3 SDK).
  const base = { application_id: 123, auth_key: "AUTHKEY-abc", nonce: 4242, timestamp: 1700000000 }
  it("matches the 3.x SDK", () => {
    assert.strictEqual(Signature.sign(base, "SECRET-xyz"), "665a6b7ef39a581a558875680b394048b28ae869")
    assert.strictEqual(
      Signature.sign({ ...base, user: { login: "cubeuser", password: "awesomepwd" } }, "SECRET-xyz"),
      "e87b6dc972b9dff660af4f895983ec02cdf43591"
    )
    assert.strictEqual(
      Signature.sign({ ...base, user: { guest: "1", full_name: "Awesome Smith" } }, "SECRET-xyz"),
      "a9b633eb74bc6129801b340fdd309d0562debbb3"
    )
    assert.strictEqual(
      Signature.sign({ ...base, provider: "facebook", keys: { token: "FB-TOKEN" } }, "SECRET-xyz"),
      "8b9292f5c76ff3a8e97bc0f7e923feffe7987959"
    )
  })

  it("matches the rest-api.md vector and verifies", () => {
    const params = { application_id: 1, auth_key: "29WfrNWdvkhmX6V", nonce: 4242, timestamp: 1544010993 }
    assert.strictEqual(Signature.sign(params, "AbCdEfGhIjKlMnO"), "10dad814ffb3b5cba4249a846ef69fcaa5e980fb")
    assert.isTrue(Signature.verify({ ...params, signature: "x" }, "AbCdEfGhIjKlMnO", "10dad814ffb3b5cba4249a846ef69fcaa5e980fb"))
    assert.isFalse(Signature.verify(params, "AbCdEfGhIjKlMnO", "00dad814ffb3b5cba4249a846ef69fcaa5e980fb"))
  })
})
