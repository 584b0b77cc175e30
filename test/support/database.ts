// A fresh database per test file: in-memory PGlite by default, a throwaway
// PostgreSQL database when DATABASE_URL is set.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../src/db/database.js";

export interface TestDatabase {
  db: Database;
  /** postgresql://… of the throwaway database, when on PostgreSQL. */
  url?: string;
  drop(): Promise<void>;
}

export const serverDatabaseUrl = process.env.DATABASE_URL || undefined;

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!serverDatabaseUrl) {
    const db = await openDatabase({});
    return { db, drop: () => db.close() };
  }
  const { url, drop } = await createThrowawayPostgresDatabase();
  const db = await openDatabase({ databaseUrl: url });
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      await drop();
    },
  };
}

/** An empty database on the DATABASE_URL server, dropped by drop(). */
export async function createThrowawayPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!serverDatabaseUrl) throw new Error("DATABASE_URL is not set");
  const name = `refinery_t_${randomBytes(6).toString("hex")}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverDatabaseUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
