import { describe, expect, it } from "@effect/vitest"
import { QueryString } from "@connectycube-effect/http"

// Byte-for-byte against the official SDK's captures (reference/official-sdk.md §2.4, §5, §8.2).
describe("QueryString.encode", () => {
  it("sorts parts and keeps brackets raw (getV2 by id)", () => {
    expect(QueryString.encode({ limit: 10, offset: 50, id: { in: [1, 2] } })).toBe(
      "id[in][]=1&id[in][]=2&limit=10&offset=50"
    )
  })

  it("escapes values with encodeURIComponent (space → %20, + and & escaped)", () => {
    expect(
      QueryString.encode({
        user_tags: { nin: ["vip", "b"] },
        full_name: { start_with: "Awes ome+&" },
        sort_desc: "created_at",
        id: [3, 1, 2]
      })
    ).toBe(
      "full_name[start_with]=Awes%20ome%2B%26&id[]=1&id[]=2&id[]=3&sort_desc=created_at&user_tags[nin][]=b&user_tags[nin][]=vip"
    )
  })

  it("sorts array parts as strings, like the official SDK", () => {
    expect(QueryString.encode({ id: { in: [10, 9] } })).toBe("id[in][]=10&id[in][]=9")
  })

  it("encodes V1 filters", () => {
    expect(QueryString.encode({ "filter[]": ["number id in 1,2"], page: 1, per_page: 5 })).toBe(
      "filter%5B%5D[]=number%20id%20in%201%2C2&page=1&per_page=5"
    )
    expect(QueryString.encode({ filter: ["number id in 1,2"], page: 1, per_page: 5 })).toBe(
      "filter[]=number%20id%20in%201%2C2&page=1&per_page=5"
    )
    expect(QueryString.encode({ email: "awesome@example.com" })).toBe("email=awesome%40example.com")
  })

  it("sends dates as ISO 8601, not Date.toString()", () => {
    expect(QueryString.encode({ last_request_at: { gt: new Date("2025-01-02T03:04:05Z") } })).toBe(
      "last_request_at[gt]=2025-01-02T03%3A04%3A05.000Z"
    )
  })

  it("percent-encodes key names but not the brackets it adds", () => {
    expect(QueryString.encode({ "we ird": { key: 1 } })).toBe("we%20ird[key]=1")
  })

  it("percent-encodes nested key names too, so a key cannot break the query", () => {
    expect(QueryString.encode({ data: { "a b&c=d": 1 } })).toBe("data[a%20b%26c%3Dd]=1")
  })

  it("leaves undefined out and comma-joins in comma mode", () => {
    expect(QueryString.encode({ a: undefined, b: 1 })).toBe("b=1")
    expect(QueryString.encode({ tags: ["iphone", "apple"] }, { arrays: "comma" })).toBe("tags=apple%2Ciphone")
    expect(QueryString.encode({})).toBe("")
  })
})
