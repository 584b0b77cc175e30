// Applies prisma/migrations/*/migration.sql in order, each in its own
// transaction, recording a checksum. Prisma's own migrate needs a native
// engine that cannot be downloaded here, so this small migrator does the job
// on the embedded PostgreSQL and an external one alike.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../prisma/migrations");

/** A single connection: advisory locks and transactions need one session. */
export interface SqlSession {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements. */
  exec(sql: string): Promise<void>;
}

export class MigrationError extends Error {}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

// Any constant shared by every process of this service.
const MIGRATION_LOCK_ID = 7_310_552_019;

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/** Returns the names of the migrations it applied. */
export async function migrate(session: SqlSession, migrations = readMigrations()): Promise<string[]> {
  // Two processes starting on one PostgreSQL: the second waits here, then finds nothing to do.
  await session.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
  try {
    // Kept outside "public" so that Prisma's view of the schema never sees it.
    await session.exec(`CREATE SCHEMA IF NOT EXISTS "refinery_meta"`);
    await session.exec(`CREATE TABLE IF NOT EXISTS "refinery_meta"."schema_migrations" (
      "name" TEXT PRIMARY KEY,
      "checksum" TEXT NOT NULL,
      "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const applied = new Map(
      (await session.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM "refinery_meta"."schema_migrations"`)).map(
        (row) => [row.name, row.checksum],
      ),
    );
    const known = new Set(migrations.map((m) => m.name));
    for (const name of applied.keys()) {
      if (!known.has(name)) {
        throw new MigrationError(
          `database has migration "${name}" that this version does not know; refusing to run an older build against a newer database`,
        );
      }
    }
    const newlyApplied: string[] = [];
    for (const migration of migrations) {
      const appliedChecksum = applied.get(migration.name);
      if (appliedChecksum !== undefined) {
        if (appliedChecksum !== migration.checksum) {
          throw new MigrationError(
            `migration "${migration.name}" was changed after it was applied (checksum ${appliedChecksum.slice(0, 12)} in the database, ${migration.checksum.slice(0, 12)} on disk); add a new migration instead of editing an applied one`,
          );
        }
        continue;
      }
      await session.exec("BEGIN");
      try {
        await session.exec(migration.sql);
        await session.query(`INSERT INTO "refinery_meta"."schema_migrations" (name, checksum) VALUES ($1, $2)`, [
          migration.name,
          migration.checksum,
        ]);
        await session.exec("COMMIT");
      } catch (error) {
        await session.exec("ROLLBACK");
        throw new MigrationError(`migration "${migration.name}" failed: ${(error as Error).message}`);
      }
      newlyApplied.push(migration.name);
    }
    return newlyApplied;
  } finally {
    await session.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
  }
}
