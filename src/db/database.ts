// The database: PGlite in-process by default, PostgreSQL when DATABASE_URL is set.
// Both are migrated by our migrator before Prisma is handed out.
import path from "node:path";
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { migrate, type SqlSession } from "./migrator.js";

export type Prisma = PrismaClient;

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgresql://… — when absent, PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; absent means in memory. */
  pgliteDir?: string;
  /** An already open PGlite instance (tests clone one template). */
  pglite?: PGlite;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPGlite(options);
}

async function openPGlite(options: DatabaseOptions): Promise<Database> {
  let pglite = options.pglite;
  if (!pglite) {
    if (options.pgliteDir) mkdirSync(path.dirname(options.pgliteDir), { recursive: true });
    pglite = new PGlite(options.pgliteDir ?? "memory://");
    await pglite.waitReady;
  }
  await migrate(pgliteSession(pglite));
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const instance = pglite;
  return {
    kind: "pglite",
    prisma,
    ping: async () => {
      await instance.query("SELECT 1");
    },
    close: async () => {
      await prisma.$disconnect();
      if (!instance.closed) await instance.close();
    },
  };
}

export function pgliteSession(pglite: PGlite): SqlSession {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
    exec: async (sql: string) => {
      await pglite.exec(sql);
    },
  };
}

async function openPostgres(databaseUrl: string): Promise<Database> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await migrate(pgSession(client));
  } finally {
    await client.end();
  }
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5_000 }),
  });
  return {
    kind: "postgres",
    prisma,
    ping: async () => {
      await prisma.$queryRawUnsafe("SELECT 1");
    },
    close: async () => {
      await prisma.$disconnect();
    },
  };
}

export function pgSession(client: pg.Client): SqlSession {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
}
