/**
 * The emulator clock as the page knows it: the last value read, and the browser time it was read at.
 * Between reads it runs with the browser's clock (unless frozen), so countdowns tick without polling.
 */
import type { ClockView } from "./api.js"
import { get, post } from "./api.js"
import { dateTime, remaining } from "./format.js"

let known: ClockView = { now: new Date().toISOString(), nowMs: Date.now(), frozen: false }
let readAt = performance.now()
const listeners = new Set<() => void>()

export const current = (): ClockView => known

/** The emulator's time now (Unix ms). */
export const now = (): number => (known.frozen ? known.nowMs : known.nowMs + (performance.now() - readAt))

export const set = (view: ClockView): void => {
  known = view
  readAt = performance.now()
  tick()
  for (const listener of listeners) listener()
}

export const onChange = (listener: () => void): () => void => {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export const refresh = async (): Promise<ClockView> => {
  set(await get<ClockView>("clock"))
  return known
}

export const change = async (body: { advanceMs?: number; now?: string | number; freeze?: boolean }): Promise<ClockView> => {
  set(await post<ClockView>("clock", body))
  return known
}

/**
 * Updates every live time on the page: `[data-clock]` shows the emulator time (with "(frozen)" unless
 * `data-clock="plain"`), `[data-expires]` (an ISO
 * time) the time left until then, on the emulator clock.
 */
export const tick = (): void => {
  const t = now()
  for (const el of document.querySelectorAll<HTMLElement>("[data-clock]")) {
    // "plain": the place says whether it is frozen by itself
    el.textContent = `${dateTime(t)} UTC${known.frozen && el.dataset.clock !== "plain" ? " (frozen)" : ""}`
  }
  for (const el of document.querySelectorAll<HTMLElement>("[data-expires]")) {
    const left = Date.parse(el.dataset.expires ?? "") - t
    el.textContent = remaining(left)
    el.classList.toggle("expired", !(left > 0))
  }
}

/** A countdown element for an expiry (ISO); `tick` keeps it current. */
export const countdown = (expiresAt: string): HTMLElement => {
  const el = document.createElement("span")
  el.className = "countdown"
  el.dataset.expires = expiresAt
  el.title = `expires at ${dateTime(expiresAt)} UTC`
  const left = Date.parse(expiresAt) - now()
  el.textContent = remaining(left)
  el.classList.toggle("expired", !(left > 0))
  return el
}
