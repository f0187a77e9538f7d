/**
 * The two paged envelopes of the API: V2 (`limit`/`skip`) and V1 (`current_page`/`per_page`, items wrapped).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * `{ limit, skip, total_entries, items }` (users V2: items are bare).
 *
 * @since 0.1.0
 * @category schemas
 */
export const PageV2 = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    limit: Schema.Number,
    skip: Schema.Number,
    total_entries: Schema.Number,
    items: Schema.Array(item)
  })

/**
 * @since 0.1.0
 * @category models
 */
export interface PageV2<A> {
  readonly limit: number
  readonly skip: number
  readonly total_entries: number
  readonly items: ReadonlyArray<A>
}

/**
 * `{ current_page, per_page, total_entries, items: [{ <key>: item }] }` (users V1 and blob lists).
 *
 * @since 0.1.0
 * @category schemas
 */
export const PageV1 = <K extends string, A, I, R>(key: K, item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    current_page: Schema.Number,
    per_page: Schema.Number,
    total_entries: Schema.Number,
    items: Schema.Array(Schema.Struct({ [key]: item } as { [P in K]: Schema.Schema<A, I, R> }))
  })

/**
 * @since 0.1.0
 * @category models
 */
export interface PageV1<K extends string, A> {
  readonly current_page: number
  readonly per_page: number
  readonly total_entries: number
  readonly items: ReadonlyArray<{ readonly [P in K]: A }>
}
