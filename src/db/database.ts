// The database: always PostgreSQL through @prisma/adapter-pg — an external
// server when DATABASE_URL is set, otherwise the embedded one under DATA_DIR.
// Migrated by our migrator before Prisma is handed out.
import { existsSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Config } from "../config.js";
import { PrismaClient, type Prisma } from "../generated/prisma/client.js";
import { currentOwner, takeDataDir } from "./data-dir-owner.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";
import { migrate, type SqlSession } from "./migrator.js";

export type Prisma = PrismaClient;

export interface Database {
  kind: "embedded" | "postgres";
  /** postgresql://… of this database. */
  url: string;
  prisma: PrismaClient;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Connections in Prisma's pool. */
  poolSize?: number;
  kind?: Database["kind"];
}

/** Migrates the database at `databaseUrl` and opens a Prisma client on it. */
export async function openDatabase(databaseUrl: string, options: DatabaseOptions = {}): Promise<Database> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await migrate(pgSession(client));
  } finally {
    await client.end();
  }
  const prisma = createPrismaClient(databaseUrl, options.poolSize ?? 10);
  return {
    kind: options.kind ?? "postgres",
    url: databaseUrl,
    prisma,
    ping: async () => {
      await ping(prisma, []);
    },
    close: async () => {
      await prisma.$disconnect();
    },
  };
}

// Health checks run it often: prepared, not re-parsed through Prisma each time.
const ping = preparedStatement("ping", "SELECT 1");

/** A Prisma client with its own connection pool (no migration: for a database already opened). */
export function createPrismaClient(databaseUrl: string, poolSize: number): PrismaClient {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle connection the server closed (restart, terminate) is dropped by the
  // pool and replaced at the next query; unheard, its error would crash the
  // process. Prisma listens only once it has run a query, and prepared
  // statements may use the pool first.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(prisma, pool);
  return prisma;
}

/** Each client's connection pool, for the metrics (open, idle, waiting). */
const pools = new WeakMap<PrismaClient, pg.Pool>();
export function connectionPoolOf(prisma: PrismaClient): pg.Pool | undefined {
  return pools.get(prisma);
}

/**
 * A named prepared statement with `$1…` parameters, for the hottest queries:
 * PostgreSQL parses and plans it once per connection, where Prisma parses and
 * plans at every call (GET /v1/tasks/{id} went from 1,300 to 3,200 req/s).
 * It runs on the pool of the Prisma client it is given, so outside any Prisma
 * transaction: one statement is atomic.
 */
export function preparedStatement<Row>(name: string, text: string) {
  return async (prisma: PrismaClient, values: unknown[]): Promise<Row[]> => {
    const pool = pools.get(prisma);
    if (!pool) throw new Error("preparedStatement needs a client made by createPrismaClient");
    return (await pool.query({ name, text, values })).rows as Row[];
  };
}

/**
 * A Prisma.sql query run on the client's pool by pg itself, outside any
 * transaction: for reads of many rows, which pg builds as plain objects one
 * by one where Prisma passes the whole page through its engine as one JSON
 * text (an export of 100,000 tasks grew the server's heap by 60 MB that way).
 */
export async function queryRows<Row>(prisma: PrismaClient, query: Prisma.Sql): Promise<Row[]> {
  const pool = pools.get(prisma);
  if (!pool) throw new Error("queryRows needs a client made by createPrismaClient");
  return (await pool.query({ text: query.text, values: query.values })).rows as Row[];
}

/** A prepared statement (`… LIMIT 1`) asking whether any row matches: one indexed read, no transaction. */
export function existenceCheck(name: string, text: string) {
  const statement = preparedStatement(name, text);
  return async (prisma: PrismaClient, values: unknown[]): Promise<boolean> => (await statement(prisma, values)).length > 0;
}

/**
 * A lookup of one row by a key of text columns, where the calls made in the
 * same turn of the event loop share one prepared statement: `text` takes one
 * `text[]` parameter per key column and returns the rows found, each with its
 * key columns (`keyOf` reads them back). Under load a round trip serves tens of
 * readers (GET /v1/tasks/{id}: 1.7× the reads per second of one statement
 * each, in the bench). Not a cache: a call's statement is sent after the call,
 * so it sees every commit that finished before it.
 */
export function coalescedLookup<Row>(name: string, text: string, keyOf: (row: Row) => string[]) {
  const statement = preparedStatement<Row>(name, text);
  const waiting = new WeakMap<PrismaClient, Map<string, Lookup<Row>>>();
  const send = (prisma: PrismaClient, lookups: Map<string, Lookup<Row>>) => {
    if (waiting.get(prisma) === lookups) waiting.delete(prisma);
    const keys = [...lookups.values()].map((lookup) => lookup.key);
    const columns = keys[0].map((_, column) => keys.map((key) => key[column]));
    statement(prisma, columns).then(
      (rows) => {
        for (const row of rows) lookups.get(keyOf(row).join("\0"))?.resolve(row);
        for (const lookup of lookups.values()) lookup.resolve(undefined);
      },
      (error) => {
        for (const lookup of lookups.values()) lookup.reject(error);
      },
    );
  };
  return (prisma: PrismaClient, key: string[]): Promise<Row | undefined> => {
    // PostgreSQL text cannot hold NUL, so no row has such a key; sent, it would fail the whole group.
    if (key.some((part) => part.includes("\0"))) return Promise.resolve(undefined);
    let lookups = waiting.get(prisma);
    if (!lookups) {
      const group = new Map<string, Lookup<Row>>();
      waiting.set(prisma, group);
      setImmediate(() => send(prisma, group));
      lookups = group;
    }
    const id = key.join("\0");
    let lookup = lookups.get(id);
    if (!lookup) {
      lookup = newLookup<Row>(key);
      lookups.set(id, lookup);
      // A group stops growing at its cap; the next call starts another.
      if (lookups.size >= LOOKUPS_PER_STATEMENT) waiting.delete(prisma);
    }
    return lookup.promise;
  };
}

interface Lookup<Row> {
  key: string[];
  promise: Promise<Row | undefined>;
  resolve(row: Row | undefined): void;
  reject(error: unknown): void;
}

function newLookup<Row>(key: string[]): Lookup<Row> {
  const lookup = { key } as Lookup<Row>;
  lookup.promise = new Promise((resolve, reject) => Object.assign(lookup, { resolve, reject }));
  return lookup;
}

const LOOKUPS_PER_STATEMENT = 500;

export interface ServiceDatabaseOptions extends DatabaseOptions {
  /** Who takes DATA_DIR's embedded database: "server", or a CLI's name. */
  role: string;
  /** PostgreSQL's own log lines (embedded only). */
  log?: (line: string) => void;
}

/**
 * DATABASE_URL when set; otherwise the embedded PostgreSQL in DATA_DIR,
 * started here and stopped by close(). DATA_DIR has one owner at a time.
 */
export async function openConfiguredDatabase(config: Config, options: ServiceDatabaseOptions): Promise<Database> {
  if (config.databaseUrl) return openDatabase(config.databaseUrl, options);
  const ownership = takeDataDir(config.dataDir, options.role);
  try {
    const server = await startEmbeddedPostgres({ clusterDir: path.join(config.dataDir, "postgres"), log: options.log });
    try {
      ownership.publish(server.url);
      const db = await openDatabase(server.url, { ...options, kind: "embedded" });
      return {
        ...db,
        close: async () => {
          await db.close();
          await server.stop();
          ownership.release();
        },
      };
    } catch (error) {
      await server.stop();
      throw error;
    }
  } catch (error) {
    ownership.release();
    throw error;
  }
}

/** An operator command was pointed at a DATA_DIR that holds no database: it would make a new, empty one. */
export class NoDatabaseHereError extends Error {}

export function assertEmbeddedDatabaseIn(dataDir: string): void {
  if (existsSync(path.join(dataDir, "postgres", "PG_VERSION"))) return;
  throw new NoDatabaseHereError(
    `no database in DATA_DIR=${dataDir} (nothing at ${path.join(dataDir, "postgres")}); ` +
      "run this where the server keeps its data (set DATA_DIR, or DATABASE_URL for PostgreSQL), or start the server there once first",
  );
}

/**
 * For CLIs: the database of the server running on DATA_DIR when there is one
 * (its changes are then visible to that server at once), else as the server
 * would, but never a new embedded cluster: a record written into a fresh
 * DATA_DIR (a typo, another working directory) would be one no server reads.
 * `where` says which database it is, for the CLI to print.
 */
export async function openDatabaseBesideServer(config: Config, role: string): Promise<{ db: Database; where: string }> {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    return { db: await openConfiguredDatabase(config, { role, poolSize: 2 }), where: `DATABASE_URL (${url.host}${url.pathname})` };
  }
  const dataDir = path.resolve(config.dataDir);
  const owner = currentOwner(dataDir);
  if (owner?.databaseUrl) {
    return { db: await openDatabase(owner.databaseUrl, { poolSize: 2, kind: "embedded" }), where: `DATA_DIR=${dataDir}, beside its running ${owner.role} (pid ${owner.pid})` };
  }
  assertEmbeddedDatabaseIn(dataDir);
  return { db: await openConfiguredDatabase(config, { role, poolSize: 2 }), where: `DATA_DIR=${dataDir} (no server running; started its database for this command)` };
}

export function pgSession(client: pg.Client): SqlSession {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
}
