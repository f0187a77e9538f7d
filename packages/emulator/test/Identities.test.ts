/**
 * Issue 17 item 2: the identities migration links the users that existed before it once (as the old lookups
 * found them), and a profile update never moves an identity.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Db from "../src/internal/Db.js"
import * as Migrations from "../src/internal/Migrations.js"
import * as Sqlite from "../src/internal/Sqlite.js"
import * as Users from "../src/store/Users.js"

const NOW = Date.parse("2030-01-01T00:00:00Z")

describe("identities", () => {
  it.effect("0007 links the existing users once: the first user by id with the field wins; data survives", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Db.migrate(Migrations.migrations.filter((m) => m !== Migrations.identities))
      yield* sql`INSERT INTO apps (id, auth_key) VALUES (1, 'k')`
      const fb = yield* Users.create(1, { facebook_id: "111", full_name: "Facebook user" }, NOW)
      // an older profile that copied the id: the old lookup (ORDER BY id) found the first one, so does the link
      const copy = yield* Users.create(1, { login: "copycat", password: "pwd", facebook_id: "111" }, NOW)
      const phone = yield* Users.create(1, { phone: "+1555" }, NOW)
      const mail = yield* Users.create(1, { email: "Mixed@Example.com" }, NOW)
      const cidp = yield* Users.create(1, { login: "custom_9", external_id: "9" }, NOW)
      const tw = yield* Users.create(1, { twitter_id: "222" }, NOW)

      yield* Db.migrate()
      assert.strictEqual((yield* Users.findByIdentity(1, "facebook", "111"))?.id, fb.id)
      assert.strictEqual((yield* Users.findByIdentity(1, "twitter", "222"))?.id, tw.id)
      assert.strictEqual((yield* Users.findByIdentity(1, "firebase_phone", "+1555"))?.id, phone.id)
      assert.strictEqual((yield* Users.findByIdentity(1, "firebase_email", "mixed@example.com"))?.id, mail.id)
      assert.strictEqual((yield* Users.findByIdentity(1, "cidp", "9"))?.id, cidp.id)
      // the users are as they were
      assert.deepStrictEqual(yield* Users.findById(1, copy.id), copy)
      // migrating again changes nothing
      yield* Db.migrate()
      const count = yield* sql<{ n: number }>`SELECT count(*) AS n FROM identities`
      assert.strictEqual(count[0]!.n, 5)
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:", disableWAL: true }))))

  it.effect("a profile update does not move an identity; deleting the user deletes it", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Db.migrate()
      yield* sql`INSERT INTO apps (id, auth_key) VALUES (1, 'k')`
      const { user: victim, created } = yield* Users.findOrCreateByIdentity(1, "facebook", "111", { facebook_id: "111" }, NOW)
      assert.isTrue(created)
      const attacker = yield* Users.create(1, { login: "attacker", password: "pwd" }, NOW)
      yield* Users.update(1, attacker.id, { facebook_id: "111" }, NOW)
      yield* Users.update(1, victim.id, { facebook_id: null }, NOW)
      const again = yield* Users.findOrCreateByIdentity(1, "facebook", "111", { facebook_id: "111" }, NOW)
      assert.isFalse(again.created)
      assert.strictEqual(again.user.id, victim.id)
      yield* Users.remove(1, victim.id)
      assert.isUndefined(yield* Users.findByIdentity(1, "facebook", "111"))
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:", disableWAL: true }))))
})
