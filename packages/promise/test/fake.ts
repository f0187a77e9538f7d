/** A fake `fetch` for unit tests: records every request and answers from a handler. */
export interface Recorded {
  readonly method: string
  readonly url: URL
  readonly headers: Record<string, string>
  readonly body: string | undefined
  readonly signal: AbortSignal | undefined
}

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | Response

export const fakeFetch = (handler: (req: Recorded, n: number) => Answer | Promise<Answer>) => {
  const requests: Array<Recorded> = []
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const body = request.body === null ? undefined : await request.text()
    const recorded: Recorded = {
      method: request.method,
      url: new URL(request.url),
      headers: Object.fromEntries(request.headers.entries()),
      body,
      signal: init?.signal ?? undefined
    }
    requests.push(recorded)
    const answer = await handler(recorded, requests.length)
    if (answer instanceof Response) return answer
    const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body)
    return new Response(text, { status: answer.status, headers: { "content-type": "application/json", ...answer.headers } })
  }) as typeof globalThis.fetch
  return { fetch, requests }
}

export const sessionBody = (token: string, userId: number | null = null, extra: Record<string, unknown> = {}) => ({
  session: {
    id: 7,
    application_id: 1,
    token,
    user_id: userId,
    nonce: 42,
    ts: 1700000000,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...extra
  }
})

export const userJson = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  login: "cubeuser",
  email: null,
  full_name: "Awesome Smith",
  phone: "",
  website: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  last_request_at: null,
  external_user_id: null,
  facebook_id: null,
  twitter_id: null,
  custom_data: null,
  blob_id: null,
  avatar: null,
  user_tags: null,
  ...extra
})

export const expired = { errors: { base: ["Required session does not exist"] } }

/** Resolves when the signal aborts: a request that never answers on its own. */
export const hang = (signal: AbortSignal | undefined) =>
  new Promise<never>((_, reject) => {
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true })
  })

export const creds = { appId: 1, authKey: "secret-auth-key" }
export const config = { endpoints: { api_url: "http://cube.test" } }
