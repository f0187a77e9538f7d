/**
 * The two paged envelopes of the API: V2 (`limit`/`skip`) and V1 (`current_page`/`per_page`, items wrapped),
 * and the stream of every item of a paged endpoint.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

/**
 * `{ limit, skip, total_entries, items }` (users V2: items are bare).
 *
 * @since 0.1.0
 * @category schemas
 */
export const PageV2 = <S extends Schema.Top>(item: S) =>
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
export const PageV1 = <K extends string, S extends Schema.Top>(key: K, item: S) =>
  Schema.Struct({
    current_page: Schema.Number,
    per_page: Schema.Number,
    total_entries: Schema.Number,
    items: Schema.Array(Schema.Struct({ [key]: item } as { readonly [P in K]: S }))
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

/**
 * Every item of a paged endpoint, fetched page by page as the stream is pulled (constant memory; nothing more
 * is fetched once the consumer stops). `fetch(cursor)` answers one page's items and the next cursor,
 * `undefined` after the last page.
 *
 * @example
 * ```ts
 * import { Paging } from "@connectycube-effect/core"
 * import { Effect, Stream } from "effect"
 *
 * // pages of 2 out of 5 numbers, from page 1
 * const numbers = Paging.stream(1, (page: number) =>
 *   Effect.succeed([[2 * page - 1, 2 * page].filter((n) => n <= 5), page < 3 ? page + 1 : undefined] as const))
 *
 * Effect.runPromise(Stream.runCollect(numbers)) // [1, 2, 3, 4, 5]
 * ```
 *
 * @since 0.1.0
 * @category streams
 */
export const stream = <C, A, E, R>(
  start: C,
  fetch: (cursor: C) => Effect.Effect<readonly [ReadonlyArray<A>, C | undefined], E, R>
): Stream.Stream<A, E, R> =>
  Stream.paginate(start, (cursor: C) =>
    Effect.map(fetch(cursor), ([items, next]) => [items, next === undefined ? Option.none() : Option.some(next)] as const))
