/** Formatting shared by the views. */

export const bytes = (n: number | null | undefined): string => {
  if (n === null || n === undefined) return "–"
  if (n < 1024) return `${n} B`
  const units = ["KB", "MB", "GB"]
  let value = n / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

const pad = (n: number) => String(n).padStart(2, "0")

/** `2024-05-01 12:03:04` in UTC (the emulator's times are UTC; the zone is said once, in the header). */
export const dateTime = (iso: string | number | null | undefined): string => {
  if (iso === null || iso === undefined || iso === "") return "–"
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${
    pad(d.getUTCMinutes())
  }:${pad(d.getUTCSeconds())}`
}

/** A remaining time: `1 d 2 h 03 min`, `1 h 59 min 59 s`, `42 s`, or `expired`. */
export const remaining = (ms: number): string => {
  if (!(ms > 0)) return "expired"
  const s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86_400)
  const hh = Math.floor((s % 86_400) / 3600)
  const mm = Math.floor((s % 3600) / 60)
  const ss = s % 60
  if (d > 0) return `${d} d ${hh} h ${pad(mm)} min`
  if (hh > 0) return `${hh} h ${pad(mm)} min ${pad(ss)} s`
  if (mm > 0) return `${mm} min ${pad(ss)} s`
  return `${ss} s`
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** custom_data pretty-printed when it is JSON, as is otherwise. */
export const prettyJson = (text: unknown): string => {
  if (typeof text !== "string") return JSON.stringify(text, null, 2)
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

export const tagsOf = (value: unknown): ReadonlyArray<string> =>
  (Array.isArray(value) ? value.map(String) : typeof value === "string" ? value.split(",") : [])
    .map((t) => t.trim())
    .filter((t) => t !== "")
