/**
 * The control API client: same origin, JSON both ways. Every call that changes state sends
 * `Content-Type: application/json` with a JSON body (even `{}`): the emulator refuses it otherwise.
 */

export const BASE = "/__emulator"

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly body: unknown) {
    super(message)
  }
}

/** The emulator's error bodies (`{errors: [...]}` or `{errors: {field: [...]}}`) as one line. */
const describe = (status: number, body: unknown): string => {
  const errors = body !== null && typeof body === "object" ? (body as { errors?: unknown }).errors : undefined
  if (Array.isArray(errors)) return errors.map(String).join("; ")
  if (errors !== null && typeof errors === "object") {
    return Object.entries(errors as Record<string, unknown>)
      .map(([k, v]) => `${k === "base" ? "" : `${k} `}${Array.isArray(v) ? v.join(", ") : String(v)}`)
      .join("; ")
  }
  return typeof body === "string" && body !== "" ? body : `HTTP ${status}`
}

const call = async <A>(method: string, path: string, body?: unknown): Promise<A> => {
  const init: RequestInit = { method, headers: { accept: "application/json" }, credentials: "same-origin" }
  if (method !== "GET") {
    init.headers = { accept: "application/json", "content-type": "application/json" }
    init.body = JSON.stringify(body ?? {})
  }
  const response = await fetch(path.startsWith("/") ? path : `${BASE}/${path}`, init)
  const text = await response.text()
  let parsed: unknown = undefined
  if (text !== "") {
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = text
    }
  }
  if (!response.ok) throw new ApiError(response.status, describe(response.status, parsed), parsed)
  return parsed as A
}

export const get = <A>(path: string): Promise<A> => call<A>("GET", path)
export const post = <A>(path: string, body: unknown = {}): Promise<A> => call<A>("POST", path, body)
export const put = <A>(path: string, body: unknown = {}): Promise<A> => call<A>("PUT", path, body)
export const del = <A>(path: string, body: unknown = {}): Promise<A> => call<A>("DELETE", path, body)

/** The URL of a blob's bytes through the control API (`inline` only for what the emulator shows inline). */
export const blobContent = (id: number, inline = false): string =>
  `${BASE}/blobs/${encodeURIComponent(String(id))}/content${inline ? "?inline=1" : ""}`

// -- shapes of the control API (see the UI contract) --------------------------------------------------

export interface ClockView {
  readonly now: string
  readonly nowMs: number
  readonly frozen: boolean
}

export interface Overview {
  readonly apps: ReadonlyArray<{ readonly id: number; readonly authKey: string }>
  readonly clock: ClockView
  readonly counts: { readonly users: number; readonly sessions: number; readonly blobs: number; readonly emails: number }
}

export interface User {
  readonly id: number
  readonly [field: string]: unknown
}

export interface SessionView {
  readonly id: number
  readonly application_id: number
  readonly user_id: number | null
  readonly kind: string
  readonly created_at: string
  readonly expires_at: string
  readonly expiresInMs: number
  readonly token: string
}

export interface BlobView {
  readonly id: number
  readonly uid: string
  readonly name: string | null
  readonly size: number | null
  readonly content_type: string | null
  readonly public: boolean
  readonly completed: boolean
  readonly user_id: number | null
  readonly created_at: string
}

export interface UserDetail {
  readonly user: User
  readonly sessions: ReadonlyArray<SessionView>
  readonly blobs: ReadonlyArray<BlobView>
}

export interface Mail {
  readonly id: number
  readonly kind: string
  readonly to: string
  readonly subject: string
  readonly body: string
  readonly data: unknown
  readonly created_at: string
  readonly user_id: number | null
}

export interface RequestEntry {
  readonly seq: number
  readonly time: string
  readonly method: string
  readonly path: string
  readonly query: string
  readonly status: number
  readonly durationMs: number
  readonly fault?: string | undefined
}

export interface Fault {
  readonly id: number
  readonly method?: string
  readonly path?: string
  readonly regex?: boolean
  readonly times?: number
  readonly remaining: number
  readonly status?: number
  readonly body?: unknown
  readonly retryAfter?: number
  readonly delayMs?: number
  readonly drop?: boolean
}

export interface UsersPage {
  readonly users: ReadonlyArray<User>
  readonly total: number
}

/** `GET /__emulator/users`: the REST V2 paging, whichever envelope (`limit/skip` or `per_page/current_page`). */
export const usersPage = async (query: URLSearchParams): Promise<UsersPage> => {
  const page = await get<{ readonly total_entries?: number; readonly items?: ReadonlyArray<unknown> }>(`users?${query}`)
  const users = (page.items ?? []).map((item) =>
    (item !== null && typeof item === "object" && "user" in item ? (item as { user: User }).user : item as User)
  )
  return { users, total: page.total_entries ?? users.length }
}
