/**
 * Time formatting of the server's answers: the `CB-Token-ExpirationDate` and `Date` headers, and the
 * entity (seconds) and session (milliseconds) ISO 8601 timestamps. Stores and routes both use it, so it
 * depends on nothing of the emulator.
 *
 * @since 0.1.0
 */

/**
 * `yyyy-MM-dd HH:mm:ss UTC`, the format of `CB-Token-ExpirationDate`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatExpiration = (ms: number): string => {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`
}

/**
 * The HTTP `Date` header value (`Wed, 25 Nov 2026 11:41:45 GMT`).
 *
 * @since 0.1.0
 * @category formatting
 */
export const httpDate = (ms: number): string => new Date(ms).toUTCString()

/**
 * A formatter of whole seconds that keeps the last text it made: both headers are sent on (almost) every
 * answer and change once a second. Each server makes its own (`Server.makeHandle`), so two emulators in one
 * process share nothing.
 *
 * @since 0.1.0
 * @category formatting
 */
export const lastSecond = (format: (ms: number) => string): (ms: number) => string => {
  let second = NaN
  let text = ""
  return (ms) => {
    const s = Math.floor(ms / 1000)
    if (s !== second) {
      text = format(ms)
      second = s
    }
    return text
  }
}

/**
 * ISO 8601 with seconds precision (`2023-08-25T11:29:29Z`), the entity timestamp format.
 *
 * @since 0.1.0
 * @category formatting
 */
export const isoSeconds = (ms: number): string => {
  // Every user in an answer has three of these: integer arithmetic is several times cheaper than
  // `Date#toISOString`, which is kept for times outside 1970..9999 (and throws for NaN as before).
  if (!(ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR)) {
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z")
  }
  const seconds = Math.floor(ms / 1000)
  const days = Math.floor(seconds / 86400)
  const inDay = seconds - days * 86400
  // Days since 1970-01-01 to a civil date (H. Hinnant, "chrono-compatible low-level date algorithms").
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const hour = Math.floor(inDay / 3600)
  const minute = Math.floor((inDay - hour * 3600) / 60)
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(inDay % 60)}Z`
}

/** 10000-01-01T00:00:00Z: from here on `toISOString` writes a six-digit year. */
const MAX_FOUR_DIGIT_YEAR = 253402300800000

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/**
 * ISO 8601 with milliseconds (`2021-06-04T10:10:53.908Z`), the session timestamp format.
 *
 * @since 0.1.0
 * @category formatting
 */
export const isoMillis = (ms: number): string => new Date(ms).toISOString()
