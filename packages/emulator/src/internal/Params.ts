/**
 * Reading values out of parsed query strings and bodies, once for every route module.
 *
 * @since 0.1.0
 */

/**
 * A safe integer from a JSON number or a decimal string (surrounding spaces allowed, `-` allowed);
 * `undefined` for anything else (fractions, exponents, hex, empty, out of the safe range).
 *
 * @since 0.1.0
 * @category parsing
 */
export const toInt = (u: unknown): number | undefined => {
  if (typeof u === "number") return Number.isSafeInteger(u) ? u : undefined
  if (typeof u === "string" && /^\s*-?\d+\s*$/.test(u)) {
    const n = Number(u)
    return Number.isSafeInteger(n) ? n : undefined
  }
  return undefined
}
