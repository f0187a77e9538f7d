/**
 * ConnectyCube's "Authentication and Users" guide with the promise adapter, in plain Node: no Effect in sight. An emulator runs in-process
 * on a free port; the client is the official SDK's surface (`init`, `createSession`, `users.*`, `storage.*`).
 *
 *   pnpm tsx docs/examples/promise-node.ts
 */
import ConnectyCube, { type PromiseError } from "@connectycube-effect/promise"
import { Emulator } from "@connectycube-effect/emulator"

const emulator = await Emulator.startEmulator()
console.log(`emulator: ${emulator.url}`)

try {
  // The same init as the official SDK; `api_url` points it at the emulator (omit it for the real API).
  ConnectyCube.init({ appId: 1, authKey: "emulator-auth-key" }, { endpoints: { api_url: emulator.url } })

  // Create session token (application session: read-only)
  const appSession = await ConnectyCube.createSession()
  console.log(`application session: user_id=${appSession.user_id ?? null}`)

  // User signup: resolves to {user}, as the official SDK
  const login = `marvin${Date.now().toString(36)}`
  const email = `${login}@example.com`
  const { user } = await ConnectyCube.users.signup({
    login,
    password: "supersecurepwd",
    email,
    full_name: "Marvin Simon",
    tag_list: ["iphone", "apple"],
    custom_data: JSON.stringify({ middle_name: "Bartoleo" })
  })
  console.log(`signed up: #${user.id} ${user.login} tags=${user.user_tags}`)

  // Errors are typed, and still carry the official {code, info}
  try {
    await ConnectyCube.users.signup({ login, password: "supersecurepwd" })
  } catch (caught) {
    const error = caught as PromiseError // the tag narrows to the error class with the official code and info
    if (error._tag !== "ValidationError") throw error
    console.log(`second signup refused: code=${error.code} ${JSON.stringify(error.info)}`)
  }

  // Upgrade session token (user login)
  const me = await ConnectyCube.login({ login, password: "supersecurepwd" })
  console.log(`logged in: ${me.full_name}`)

  // User profile update
  const updated = await ConnectyCube.users.update({ full_name: "Mar Sim" })
  console.log(`updated: ${updated.user.full_name}`)

  // User avatar: upload (private by default), then store its uid on the user
  const picture = Buffer.from("89504e470d0a1a0a", "hex") // the PNG signature is enough for the emulator
  const blob = await ConnectyCube.storage.createAndUpload({ name: "avatar.png", file: picture, type: "image/png" })
  const withAvatar = await ConnectyCube.users.update({ avatar: blob.uid })
  const avatarUrl = ConnectyCube.storage.privateUrl(withAvatar.user.avatar!)
  const downloaded = new Uint8Array(await (await fetch(avatarUrl)).arrayBuffer())
  console.log(`avatar: public=${blob.public} ${downloaded.byteLength} bytes back from privateUrl`)

  // Retrieve users V2: by login, by ids, by last_request_at
  const byLogin = await ConnectyCube.users.getV2({ login })
  const byIds = await ConnectyCube.users.getV2({ limit: 10, offset: 0, id: { in: [me.id] } })
  const recent = await ConnectyCube.users.getV2({ id: { in: [me.id] }, last_request_at: { gt: new Date(2017, 10, 10) } })
  console.log(`getV2: by login ${byLogin.total_entries}, by id ${byIds.items.length}, active since 2017 ${recent.total_entries}`)

  // Retrieve users V1 (deprecated): the raw body, {user} for a lookup
  const v1 = await ConnectyCube.users.get({ login })
  console.log(`V1 by login: ${"user" in v1 ? v1.user.id === me.id : false}`)

  // Session expiration: 2 hours on the emulator's clock, no waiting. The next call re-creates the session.
  await emulator.advanceClock(2 * 60 * 60 * 1000 + 60_000)
  const afterExpiry = await ConnectyCube.users.getV2({ login })
  console.log(`after expiry: ${afterExpiry.total_entries} match, session re-created automatically`)

  // Password reset: the emulator keeps the mail it "sent"
  await ConnectyCube.users.resetPassword(email)
  const mail = (await emulator.emails()).find((m) => m.to === email)
  console.log(`reset mail: ${mail?.subject}`)

  // Delete user, then destroy the session
  await ConnectyCube.users.delete()
  await ConnectyCube.destroySession()
  console.log("user deleted, session destroyed")
} finally {
  await ConnectyCube.dispose()
  await emulator.close()
}
console.log("promise example complete")
