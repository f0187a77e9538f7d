/**
 * Attack suite, issue 17 item 2: a sign-in identity (facebook, twitter, firebase phone, firebase email, Custom
 * Identity Provider uid) belongs to the user it was first linked to; a profile update that copies a victim's
 * `facebook_id`, `twitter_id`, `phone`, `email` or `external_id` does not take the victim's sign-in over.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Http from "node:http"
import { call, emulator, idToken, inAnHour, json, signIn } from "./harness.js"

const facebook = (token: string) => ({ provider: "facebook", keys: { token } })
const twitter = (token: string) => ({ provider: "twitter", keys: { token } })
const firebase = (provider: "firebase_phone" | "firebase_email", claims: Record<string, unknown>) => ({
  provider,
  [provider]: { project_id: "proj", access_token: idToken({ aud: "proj", exp: inAnHour(), ...claims }) }
})

/** The attacker: a password user who copies `field` of the victim into their own profile. */
const attacker = (base: string, login: string, changes: Record<string, unknown>) =>
  Effect.gen(function*() {
    const session = yield* signIn(base, { user: { login, password: "attackerpwd" } })
    assert.strictEqual(session.status, 201)
    const { token, user_id } = session.body.session
    const put = yield* call(`${base}/users/${user_id}.json`, json("PUT", { user: changes }, token))
    // profile fields stay writable (rest-api.md §4)
    assert.strictEqual(put.status, 200, JSON.stringify(put.body))
    return user_id as number
  })

describe("attack: provider identities", () => {
  it.live("facebook and twitter: a copied facebook_id/twitter_id does not move the victim's sign-in", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      for (const [provider, form] of [["facebook_id", facebook], ["twitter_id", twitter]] as const) {
        // the victim signs in first (identity linked at creation)...
        const first = yield* signIn(emu.url, form(`victim-${provider}`))
        assert.strictEqual(first.status, 201)
        const victim = first.body.session.user
        const attackerId = yield* attacker(emu.url, `attacker_${provider}`, { [provider]: victim[provider] })
        // ...and again after the attacker copied the id: still the victim
        const again = yield* signIn(emu.url, form(`victim-${provider}`))
        assert.strictEqual(again.status, 201)
        assert.strictEqual(again.body.session.user_id, victim.id)
        assert.notStrictEqual(again.body.session.user_id, attackerId)
      }
    }))

  it.live("facebook: an id planted before the victim's first sign-in does not capture it", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      // the same deterministic id the victim's token maps to: learn it from a throwaway sign-in, then delete that user
      const probe = yield* signIn(emu.url, facebook("planted"))
      const facebookId = probe.body.session.user.facebook_id
      yield* call(`${emu.url}/users/${probe.body.session.user_id}.json`, { method: "DELETE", headers: { "CB-Token": probe.body.session.token } })
      const attackerId = yield* attacker(emu.url, "planter", { facebook_id: facebookId })
      const victim = yield* signIn(emu.url, facebook("planted"))
      assert.strictEqual(victim.status, 201)
      assert.notStrictEqual(victim.body.session.user_id, attackerId)
    }))

  it.live("firebase phone and email: a copied phone/email does not take the victim's sign-in", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const phone = yield* signIn(emu.url, firebase("firebase_phone", { phone_number: "+15550001" }))
      assert.strictEqual(phone.status, 201)
      const phoneAttacker = yield* attacker(emu.url, "phone_attacker", { phone: "+15550001" })
      const phoneAgain = yield* signIn(emu.url, firebase("firebase_phone", { phone_number: "+15550001" }))
      assert.strictEqual(phoneAgain.body.session.user_id, phone.body.session.user_id)

      // planted before the victim's first sign-in
      yield* attacker(emu.url, "phone_planter", { phone: "+15550002" })
      const planted = yield* signIn(emu.url, firebase("firebase_phone", { phone_number: "+15550002" }))
      assert.strictEqual(planted.status, 201)
      const planter = yield* signIn(emu.url, { user: { login: "phone_planter", password: "attackerpwd" } })
      assert.notStrictEqual(planted.body.session.user_id, planter.body.session.user_id)
      assert.notStrictEqual(planted.body.session.user_id, phoneAttacker)

      // email: the attacker takes the address before the victim's first Firebase sign-in
      const emailAttacker = yield* attacker(emu.url, "mail_attacker", { email: "victim@example.com" })
      const mail = yield* signIn(emu.url, firebase("firebase_email", { email: "victim@example.com" }))
      assert.strictEqual(mail.status, 201, JSON.stringify(mail.body))
      assert.notStrictEqual(mail.body.session.user_id, emailAttacker)
      const mailAgain = yield* signIn(emu.url, firebase("firebase_email", { email: "VICTIM@example.com" }))
      assert.strictEqual(mailAgain.body.session.user_id, mail.body.session.user_id)
    }))

  it.live("Custom Identity Provider: a copied external_id does not take the uid's sign-in", () =>
    Effect.gen(function*() {
      const server = Http.createServer((req, res) => {
        const token = new URL(req.url!, "http://x").searchParams.get("token") ?? ""
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ uid: token.replace(/^t-/, ""), login: `ext_${token.slice(2)}` }))
      })
      yield* Effect.acquireRelease(
        Effect.callback<void>((resume) => {
          server.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () => Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
        })
      )
      const port = (server.address() as { port: number }).port
      const emu = yield* emulator({ cidpUrl: `http://127.0.0.1:${port}/verify` })
      // the attacker signs in through the provider as uid 1, then claims uid 2 in the profile
      const mine = yield* signIn(emu.url, { user: { login: "t-1", password: "x" } })
      assert.strictEqual(mine.status, 201)
      const put = yield* call(
        `${emu.url}/users/${mine.body.session.user_id}.json`,
        json("PUT", { user: { external_id: "2" } }, mine.body.session.token)
      )
      assert.strictEqual(put.status, 200)
      const victim = yield* signIn(emu.url, { user: { login: "t-2", password: "x" } })
      assert.strictEqual(victim.status, 201, JSON.stringify(victim.body))
      assert.notStrictEqual(victim.body.session.user_id, mine.body.session.user_id)
      // and uid 1 still signs the attacker in, although their external_id now says "2"
      const again = yield* signIn(emu.url, { user: { login: "t-1", password: "x" } })
      assert.strictEqual(again.body.session.user_id, mine.body.session.user_id)
    }))
})
