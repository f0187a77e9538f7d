/**
 * Test helpers: an emulator on a real loopback port (port 0) for the test's scope, and a small
 * fetch wrapper that returns status, headers and the parsed body.
 */
import * as Effect from "effect/Effect"
import * as Emulator from "../src/Emulator.js"

export const APP = { id: 1, authKey: "emulator-auth-key" } as const

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: any
}

export interface CallOptions {
  readonly body?: unknown
  /** Sent as-is (for malformed bodies, form bodies). */
  readonly rawBody?: string
  readonly token?: string
  readonly headers?: Record<string, string>
}

export const call = (base: string, method: string, path: string, options: CallOptions = {}): Effect.Effect<Reply> =>
  Effect.promise(async (signal) => {
    const headers: Record<string, string> = { ...options.headers }
    if (options.body !== undefined) headers["content-type"] ??= "application/json;charset=utf-8"
    if (options.token !== undefined) headers["CB-Token"] = options.token
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)])
    })
    const text = await res.text()
    let body: unknown = undefined
    try {
      body = text === "" ? undefined : JSON.parse(text)
    } catch {
      body = text
    }
    return { status: res.status, headers: res.headers, text, body }
  })

/** A scoped emulator plus a `call` bound to its URL. */
export const emulator = (options: Emulator.Options = {}) =>
  Effect.map(Emulator.make(options), (emu) => ({
    emu,
    url: emu.url,
    call: (method: string, path: string, opts?: CallOptions) => call(emu.url, method, path, opts)
  }))

export const appSession = (extra: Record<string, unknown> = {}) => ({
  application_id: APP.id,
  auth_key: APP.authKey,
  ...extra
})

/** An unsigned JWT-shaped token with this payload (what the emulator accepts for Firebase). */
export const fakeJwt = (payload: Record<string, unknown>): string => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url")
  return `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.sig`
}

/** The answer of a plain `fetch`: status, headers, text, and the JSON body when it parses. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

/** `fetch(url, init)` read whole, the way the official SDK talks to the server. */
export const fetchAnswer = (url: string, init: RequestInit = {}): Effect.Effect<Answer> =>
  Effect.promise(async () => {
    const res = await fetch(url, init)
    const text = await res.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.status, headers: res.headers, text, json }
  })
