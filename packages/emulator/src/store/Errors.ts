/**
 * What the stores refuse, in their own words: a value another row already holds, or a value the store cannot
 * take. The stores know nothing of HTTP; the server turns these into the real server's error bodies in one
 * place (`ApiError.fromStoreError`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A unique value is held by another row of the app: `fields` lists which (`login`, `email`), in that order.
 *
 * @since 0.1.0
 * @category errors
 */
export class Taken extends Schema.TaggedError<Taken>("@connectycube-effect/emulator/store/Taken")("Taken", {
  fields: Schema.Array(Schema.String)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.fields.join(" and ")} already taken`
  }
}

/**
 * A value the store cannot take (an import naming a table or column that does not exist): `field` names the
 * input, `reason` says why.
 *
 * @since 0.1.0
 * @category errors
 */
export class Invalid extends Schema.TaggedError<Invalid>("@connectycube-effect/emulator/store/Invalid")("Invalid", {
  field: Schema.String,
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.field}: ${this.reason}`
  }
}

/**
 * Every refusal of a store.
 *
 * @since 0.1.0
 * @category errors
 */
export type StoreError = Taken | Invalid

/**
 * Is `u` a store's refusal?
 *
 * @since 0.1.0
 * @category guards
 */
export const isStoreError = (u: unknown): u is StoreError => u instanceof Taken || u instanceof Invalid
