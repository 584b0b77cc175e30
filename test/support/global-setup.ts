// Once per test run: the PostgreSQL server the tests use (DATABASE_URL's, or an
// embedded one in a temporary directory) and a migrated template database that
// every test file clones (CREATE DATABASE … TEMPLATE is much faster than migrating).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { migrate } from "../../src/db/migrator.js";
import { pgSession } from "../../src/db/database.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** postgresql://… of a database on the test server with rights to create databases. */
    adminDatabaseUrl: string;
    /** The migrated template database each test file clones. */
    templateDatabase: string;
  }
}

let embedded: EmbeddedPostgres | undefined;
let clusterDir: string | undefined;

export async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL || undefined;
  if (!adminUrl) {
    clusterDir = mkdtempSync(path.join(tmpdir(), "refinery-test-pg-"));
    embedded = await startEmbeddedPostgres({
      clusterDir: path.join(clusterDir, "postgres"),
      // Tests trade durability for speed; each run starts from nothing anyway.
      settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off", max_connections: "300" },
    });
    adminUrl = embedded.url;
  }
  const template = `refinery_tpl_${randomBytes(4).toString("hex")}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${template}"`));
  await withClient(databaseUrl(adminUrl, template), (client) => migrate(pgSession(client)));
  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", template);

  return async () => {
    await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`)).catch(() => {});
    await embedded?.stop();
    if (clusterDir) rmSync(clusterDir, { recursive: true, force: true });
  };
}

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
