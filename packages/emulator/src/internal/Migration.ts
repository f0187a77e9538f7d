/**
 * The shape of a migration, in a module of its own: the stores that own tables declare their
 * migrations with it, and `Db.ts` (which lists and applies them) imports the stores, never the other way.
 *
 * @since 0.1.0
 */

/**
 * A named list of SQL statements, applied once, in order, inside a transaction. The name starts with
 * the migration's number (`0002_blobs`): numbers only grow.
 *
 * @since 0.1.0
 * @category models
 */
export interface Migration {
  /** `<number>_<name>`, unique and stable: recorded in `_migrations` once applied (by its number). */
  readonly name: string
  readonly statements: ReadonlyArray<string>
}
