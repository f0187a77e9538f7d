/**
 * The seed's avatar flow in one call: upload the picture, then store its uid in the user's `avatar` field.
 *
 * `Storage` stays independent of the users package: the update step is passed in (typically
 * `users.update`), so this module only needs the `Storage` service.
 *
 * @example
 * ```ts
 * import { Avatar } from "@connectycube-effect/storage"
 * import { Users } from "@connectycube-effect/users"
 * import { Effect } from "effect"
 *
 * declare const picture: File
 *
 * const program = Effect.gen(function*() {
 *   const users = yield* Users.Users
 *   const user = yield* Avatar.setAvatar(
 *     { name: picture.name, file: picture, type: picture.type },
 *     (changes) => users.update(changes)
 *   )
 *   return yield* Avatar.url(user.avatar)
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Errors from "@connectycube-effect/core/Errors"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { cleanUp } from "./internal/cleanup.js"
import type { CreateAndUploadParams } from "./Storage.js"
import { Storage } from "./Storage.js"

/**
 * What `setAvatar` asks the update step to change.
 *
 * @since 0.1.0
 * @category models
 */
export interface AvatarChanges {
  readonly avatar: string
}

/**
 * Uploads the file (private unless `public: true`) and calls `update({ avatar: uid })`, resolving to what the
 * update resolves to (the updated user for `users.update`). When the update fails, the uploaded blob is deleted
 * (best effort), so a failed call leaves no orphaned picture.
 *
 * @example
 * ```ts
 * import { Avatar } from "@connectycube-effect/storage"
 * import { Effect } from "effect"
 *
 * declare const update: (changes: Avatar.AvatarChanges) => Effect.Effect<{ readonly avatar?: string | null }>
 *
 * const program = Avatar.setAvatar(
 *   { name: "me.png", file: new Uint8Array([137, 80, 78, 71]), type: "image/png" },
 *   update
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const setAvatar = <A, E2, R2, E = never>(
  params: CreateAndUploadParams<E>,
  update: (changes: AvatarChanges) => Effect.Effect<A, E2, R2>
): Effect.Effect<A, Errors.CubeError | E | E2, Storage | R2> =>
  Effect.gen(function*() {
    const storage = yield* Storage
    const blob = yield* storage.createAndUpload(params)
    // onExit, not tapErrorCause: a caller interrupted while the update runs must not leave the picture behind
    return yield* update({ avatar: blob.uid }).pipe(
      Effect.onExit((exit) => Exit.isFailure(exit) ? cleanUp(storage.delete(blob.id)) : Effect.void)
    )
  }).pipe(Effect.withSpan("Avatar.setAvatar"))

/**
 * The URL to show an avatar: a stored full URL as is (some apps store one), a blob uid as its private URL, and
 * `None` for an empty avatar.
 *
 * @example
 * ```ts
 * import { Avatar } from "@connectycube-effect/storage"
 *
 * // inside Effect.gen: const src = yield* Avatar.url(user.avatar)
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const url = (
  avatar: string | null | undefined
): Effect.Effect<Option.Option<string>, Errors.InvalidInput, Storage> => {
  if (avatar === null || avatar === undefined || avatar.trim() === "") return Effect.succeed(Option.none())
  if (/^https?:\/\//i.test(avatar)) return Effect.succeed(Option.some(avatar))
  return Effect.flatMap(Storage, (storage) => Effect.map(storage.privateUrl(avatar), Option.some))
}
