/**
 * The session's expiry gate, which every authenticated call goes through. The token's expiry is tracked (from
 * `CB-Token-ExpirationDate`, else the configured lifetime sliding from the last successful call, on `Clock`) and
 * the session is re-created before sending when it has lapsed. When a call still gets 401 "Required session does
 * not exist", the session is re-created with the credentials it was created with and the call is retried once,
 * or the call goes to the official SDK's `sessionExpired` hook when one is set. Re-creation is single-flight: N
 * concurrent calls holding the stale token share one `POST /session`, and a failed re-creation fails every
 * waiter and is not cached (the next call tries again).
 *
 * `Session` builds the rest around it: the sign-in calls (how a state is made), events and persistence, passed in
 * as `Options`.
 */
import * as Errors from "@connectycube-effect/core/Errors"
import type * as CoreSession from "@connectycube-effect/core/Session"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"

/**
 * How the session is re-created when it expires.
 * @internal
 */
export type Recreate =
  | { readonly _tag: "Application" }
  | { readonly _tag: "Credentials"; readonly credentials: Redacted.Redacted<CoreSession.Credentials> }
  | { readonly _tag: "None" }

/** @internal */
export interface State {
  readonly token: Redacted.Redacted<string>
  readonly sessionId: number
  readonly userId: number | undefined
  readonly recreate: Recreate
  /**
   * Mutable on purpose: every successful call slides `at`, without taking a lock. `saved` is the value last
   * written to the store.
   */
  readonly expiry: { at: number; saved: number }
}

/**
 * The session held, and the re-creation in flight (the one every concurrent caller waits for).
 * @internal
 */
export interface Cell {
  readonly state: Option.Option<State>
  readonly inflight: Option.Option<Deferred.Deferred<Option.Option<State>, Errors.CubeError>>
}

/**
 * What the `sessionExpired` hook hands to `retry`.
 * @internal
 */
export interface HookSession {
  readonly token: string
  readonly user_id?: number | null | undefined
  readonly id?: number
}

/**
 * The official SDK's `config.on.sessionExpired(handleResponse, retry)` hook.
 * @internal
 */
export type Hook = (handleResponse: () => void, retry: (session: HookSession) => void) => void

/**
 * What the gate reads of a call: which credential it carries (`CubeHttpClient.Request["auth"]`).
 * @internal
 */
export interface Call {
  readonly auth?: "session" | "session-or-auth-key" | "none" | undefined
}

/** @internal */
export interface Options<Req extends Call, Res> {
  readonly cell: Ref.Ref<Cell>
  /** Sends a call with a token, or with none (`CubeHttpClient.send`). */
  readonly send: (request: Req, token: Redacted.Redacted<string> | undefined) => Effect.Effect<Res, Errors.CubeError>
  /** When the token of an answer expires (`CB-Token-ExpirationDate`, else the configured lifetime from now). */
  readonly expiryFrom: (response: Res) => Effect.Effect<number>
  /** `POST /session` as `state` was created; `None` when it cannot be. Does not touch the cell. */
  readonly recreate: (state: State | undefined) => Effect.Effect<Option.Option<State>, Errors.CubeError>
  /** After a re-creation (`previous` is `undefined` when none was held): persist and publish. */
  readonly renewed: (next: State, previous: State | undefined, reason: "expired" | "lapsed") => Effect.Effect<void>
  /** A rejected token that cannot be renewed: publish. */
  readonly expired: (state: State) => Effect.Effect<void>
  readonly persist: (state: State) => Effect.Effect<void>
  /** Installs the session the hook hands back. */
  readonly setSession: (session: HookSession) => Effect.Effect<void>
  readonly hook: Hook | undefined
  /** Millis before the tracked expiry at which the session is renewed. */
  readonly renewBefore: number
  /** Whether a session is created on demand when none is held (`autoCreate`, and an auth key is configured). */
  readonly createOnDemand: boolean
  /** Where a re-creation runs, so that an interrupted caller does not cancel it for the others. */
  readonly scope: Scope.Scope
}

/**
 * For catchIf, which CubeHttpClient already brings into every bundle; catchTag would add ~0.1 KB gz of its own.
 * @internal
 */
export const isExpired = (error: Errors.CubeError): error is Errors.SessionExpired => error._tag === "SessionExpired"

/**
 * The gate: a function that sends a call with the session's credential, handling expiry as described above.
 * @internal
 */
export const make = <Req extends Call, Res>(
  options: Options<Req, Res>
): (request: Req) => Effect.Effect<Res, Errors.CubeError> => {
  const { cell, hook, persist, renewBefore, scope, send } = options

  /**
   * The single-flight gate. Returns the state to use; re-creates it (once, shared by every concurrent caller)
   * when there is none, when its tracked expiry has passed, or when it still holds `stale`.
   */
  const ensure = (stale: string | undefined): Effect.Effect<Option.Option<State>, Errors.CubeError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatten(Ref.modify(cell, (c): readonly [Effect.Effect<Option.Option<State>, Errors.CubeError>, Cell] => {
        const current = Option.getOrUndefined(c.state)
        const isStale = current !== undefined && stale !== undefined && Redacted.value(current.token) === stale
        const lapsed = current !== undefined && now >= current.expiry.at - renewBefore
        if (current !== undefined && !isStale && !lapsed) return [Effect.succeed(c.state), c]
        if (current === undefined && stale !== undefined) {
          // Someone destroyed the session while this call was in flight.
          return [Effect.fail(new Errors.SessionExpired({ status: 401 })), c]
        }
        if (current === undefined && !options.createOnDemand) return [Effect.succeed(c.state), c]
        if (current !== undefined && current.recreate._tag === "None") {
          // Cannot renew: a lapsed token is still tried (the server decides); a rejected one is gone.
          return isStale
            ? [Effect.as(options.expired(current), Option.none()), c]
            : [Effect.succeed(c.state), c]
        }
        if (Option.isSome(c.inflight)) return [Deferred.await(c.inflight.value), c]
        const deferred = Deferred.makeUnsafe<Option.Option<State>, Errors.CubeError>()
        const run = options.recreate(current).pipe(
          Effect.tap((next) =>
            Option.isSome(next) ? options.renewed(next.value, current, isStale ? "expired" : "lapsed") : Effect.void
          ),
          Effect.onExit((exit) =>
            Effect.andThen(
              Ref.update(cell, (c2) => ({
                state: Exit.isSuccess(exit) && Option.isSome(exit.value) ? exit.value : c2.state,
                inflight: Option.none()
              })),
              Deferred.done(deferred, exit)
            )
          )
        )
        // The re-creation runs in the layer's scope: a caller that is interrupted does not cancel it for the others.
        return [
          Effect.andThen(Effect.forkIn(run, scope), Deferred.await(deferred)),
          { ...c, inflight: Option.some(deferred) }
        ]
      })))

  // The store follows the slid expiry too, at most once a minute of it, so that after a restart a session still
  // alive is not taken for lapsed (and re-created). Only while this state is the current one: a call answered
  // after a renewal must not write the replaced token back.
  const slide = (state: State, response: Res) =>
    Effect.flatMap(options.expiryFrom(response), (at) => {
      state.expiry.at = at
      if (at - state.expiry.saved < 60_000) return Effect.succeed(response)
      return Effect.as(
        Effect.flatMap(Ref.get(cell), (c) => Option.getOrUndefined(c.state) === state ? persist(state) : Effect.void),
        response
      )
    })

  const viaHook = (request: Req, error: Errors.SessionExpired, f: Hook) =>
    Effect.callback<Option.Option<HookSession>>(
      (resume) => {
        let done = false
        f(
          () => {
            if (done) return
            done = true
            resume(Effect.succeed(Option.none()))
          },
          (session) => {
            if (done) return
            done = true
            resume(Effect.succeed(session && session.token ? Option.some(session) : Option.none()))
          }
        )
      }
    ).pipe(
      Effect.flatMap((session) =>
        Option.match(session, {
          onNone: () => Effect.fail(error),
          onSome: (s) =>
            Effect.andThen(
              options.setSession(s),
              Effect.flatMap(Ref.get(cell), (c) => send(request, Option.getOrUndefined(Option.map(c.state, (st) => st.token))))
            )
        })
      )
    )

  return (request) => {
    const auth = request.auth ?? "session"
    if (auth === "none") return send(request, undefined)
    const acquire = auth === "session" ? ensure(undefined) : Effect.map(Ref.get(cell), (c) => c.state)
    return Effect.flatMap(acquire, (state) => {
      if (Option.isNone(state)) return send(request, undefined)
      const first = state.value
      return send(request, first.token).pipe(
        Effect.flatMap((response) => slide(first, response)),
        Effect.catchIf(isExpired, (error) => {
          if (hook !== undefined) return viaHook(request, error, hook)
          return Effect.flatMap(ensure(Redacted.value(first.token)), (next) =>
            Option.isNone(next) || Redacted.value(next.value.token) === Redacted.value(first.token)
              ? Effect.fail(error)
              : send(request, next.value.token).pipe(Effect.flatMap((response) => slide(next.value, response))))
        })
      )
    })
  }
}
