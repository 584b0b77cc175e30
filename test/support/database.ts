// A fresh database per test file, cloned from the run's migrated template on
// the run's PostgreSQL server (embedded, or DATABASE_URL's).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.js";
import { databaseUrl } from "./global-setup.js";

export interface TestDatabase {
  db: Database;
  /** postgresql://… of the throwaway database. */
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const { url, drop } = await createThrowawayDatabase({ migrated: true });
  const db = await openDatabase(url);
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      await drop();
    },
  };
}

/** A database on the test server, dropped by drop(): migrated (a template clone) or empty. */
export async function createThrowawayDatabase(options: { migrated: boolean }): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `refinery_t_${randomBytes(6).toString("hex")}`;
  const template = options.migrated ? inject("templateDatabase") : "template0";
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    url: databaseUrl(inject("adminDatabaseUrl"), name),
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
