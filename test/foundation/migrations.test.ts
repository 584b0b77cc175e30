import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { migrate, readMigrations, MigrationError, type SqlSession } from "../../src/db/migrator.js";
import { pgSession } from "../../src/db/database.js";
import { diffMigrationsAgainstSchema } from "../../prisma/migrate-tool.js";
import { createThrowawayDatabase } from "../support/database.js";

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "refinery-migrations-"));
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

/** Runs a check on an empty database of the test server; `open` gives further sessions on it. */
async function withSession(work: (session: SqlSession, open: () => Promise<{ session: SqlSession; close(): Promise<void> }>) => Promise<void>) {
  const throwaway = await createThrowawayDatabase({ migrated: false });
  const clients: pg.Client[] = [];
  const open = async () => {
    const client = new pg.Client({ connectionString: throwaway.url });
    await client.connect();
    clients.push(client);
    return { session: pgSession(client), close: () => client.end() };
  };
  try {
    await work((await open()).session, open);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await throwaway.drop();
  }
}

describe("migrator", () => {
  it("applies migrations in order, once, each recorded with a checksum", async () => {
    await withSession(async (session) => {
      const dir = migrationsDir({
        "002_second": `ALTER TABLE widgets ADD COLUMN colour TEXT;`,
        "001_first": `CREATE TABLE widgets (id TEXT PRIMARY KEY); INSERT INTO widgets VALUES ('w1');`,
      });
      expect(await migrate(session, readMigrations(dir))).toEqual(["001_first", "002_second"]);
      expect(await migrate(session, readMigrations(dir))).toEqual([]);
      const recorded = await session.query<{ name: string; checksum: string }>(
        `SELECT name, checksum FROM refinery_meta.schema_migrations ORDER BY name`,
      );
      expect(recorded.map((r) => r.name)).toEqual(["001_first", "002_second"]);
      expect(recorded[0].checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(await session.query(`SELECT id, colour FROM widgets`)).toEqual([{ id: "w1", colour: null }]);
    });
  });

  it("refuses a migration that was changed after it was applied", async () => {
    await withSession(async (session) => {
      await migrate(session, readMigrations(migrationsDir({ "001_first": `CREATE TABLE a (id INT);` })));
      const changed = readMigrations(migrationsDir({ "001_first": `CREATE TABLE a (id BIGINT);` }));
      await expect(migrate(session, changed)).rejects.toThrow(/"001_first" was changed after it was applied/);
    });
  });

  it("refuses to run against a database with migrations it does not know", async () => {
    await withSession(async (session) => {
      await migrate(session, readMigrations(migrationsDir({ "001_a": `SELECT 1;`, "002_b": `SELECT 1;` })));
      await expect(migrate(session, readMigrations(migrationsDir({ "001_a": `SELECT 1;` })))).rejects.toBeInstanceOf(
        MigrationError,
      );
    });
  });

  it("rolls back a failing migration completely", async () => {
    await withSession(async (session) => {
      const dir = migrationsDir({ "001_bad": `CREATE TABLE half (id INT); SELECT * FROM missing_table;` });
      await expect(migrate(session, readMigrations(dir))).rejects.toThrow(/"001_bad" failed/);
      expect(await session.query(`SELECT to_regclass('public.half') AS t`)).toEqual([{ t: null }]);
      expect(await session.query(`SELECT name FROM refinery_meta.schema_migrations`)).toEqual([]);
    });
  });

  it("lets only one of two concurrent start-ups apply (PostgreSQL advisory lock)", async () => {
    await withSession(async (_session, open) => {
      const dir = migrationsDir({
        "001_slow": `CREATE TABLE once_only (id INT); SELECT pg_sleep(0.5);`,
        "002_next": `INSERT INTO once_only VALUES (1);`,
      });
      const [a, b] = await Promise.all([open(), open()]);
      const results = await Promise.all([migrate(a.session, readMigrations(dir)), migrate(b.session, readMigrations(dir))]);
      expect(results.map((r) => r.length).sort()).toEqual([0, 2]);
      expect(await a.session.query(`SELECT count(*)::int AS n FROM once_only`)).toEqual([{ n: 1 }]);
    });
  });
});

describe("prisma/migrations", () => {
  // Two runs of the Prisma 6 CLI on WASM engines: about 40 s alone, more beside other test files.
  it("produce exactly the schema in prisma/schema.prisma", async () => {
    expect(await diffMigrationsAgainstSchema()).toBe("");
  }, 240_000);
});

describe("the env_separation migration", () => {
  it("assigns rows made before it to the environment of the key that made them, and rebuilds the rollups", async () => {
    await withSession(async (session) => {
      const all = readMigrations();
      const at = all.findIndex((m) => m.name.endsWith("_env_separation"));
      await migrate(session, all.slice(0, at));
      await session.query(`
        INSERT INTO customers (id, name, email, tier, label_quota, callback_secret_sealed, updated_at) VALUES
          ('cust_live', 'L', 'l@x.example', 'live', 100, 'sealed-live', now()),
          ('cust_sbx', 'S', 's@x.example', 'sandbox', 100, 'sealed-sbx', now());
        INSERT INTO jobs (id, customer_id, status, manifest_url, environment, label_spec, updated_at) VALUES
          ('job_l', 'cust_live', 'labeling', 's3://b/m', 'live', '{}', now());
        INSERT INTO batches (id, customer_id, task_count, status) VALUES ('bat_s', 'cust_live', 1, 'pending'), ('bat_empty', 'cust_live', 0, 'completed');
        INSERT INTO tasks (id, customer_id, batch_id, job_id, type, status, label_spec, replication, workforce, updated_at) VALUES
          ('tsk_h', 'cust_live', NULL, 'job_l', 'text_classification', 'pending', '{}', 3, 'human', now()),
          ('tsk_s', 'cust_live', 'bat_s', NULL, 'text_classification', 'pending', '{}', 3, 'simulated', now()),
          ('tsk_x', 'cust_sbx', NULL, NULL, 'text_classification', 'pending', '{}', 3, 'simulated', now());
        INSERT INTO events (id, customer_id, type, payload) VALUES
          ('evt_t', 'cust_live', 'task.completed', '{"data":{"task_id":"tsk_s"}}'),
          ('evt_b', 'cust_live', 'batch.completed', '{"data":{"batch_id":"bat_s"}}'),
          ('evt_j', 'cust_live', 'job.completed', '{"data":{"job_id":"job_l"}}'),
          ('evt_none', 'cust_live', 'task.failed', '{"data":{}}');
        INSERT INTO webhooks (id, customer_id, url, secret_sealed, events, status) VALUES
          ('whk_l', 'cust_live', 'https://h.example', 's', '[]', 'active'), ('whk_s', 'cust_sbx', 'https://h.example', 's', '[]', 'active');`);
      await migrate(session, all);
      const environments = async (table: string) =>
        Object.fromEntries((await session.query<{ id: string; environment: string }>(`SELECT id, environment FROM ${table}`)).map((r) => [r.id, r.environment]));
      expect(await environments("tasks")).toEqual({ tsk_h: "live", tsk_s: "sandbox", tsk_x: "sandbox" });
      expect(await environments("batches")).toEqual({ bat_s: "sandbox", bat_empty: "live" });
      expect(await environments("events")).toEqual({ evt_t: "sandbox", evt_b: "sandbox", evt_j: "live", evt_none: "live" });
      expect(await environments("webhooks")).toEqual({ whk_l: "live", whk_s: "sandbox" });
      expect(await session.query(`SELECT id, callback_secret_sealed, live_callback_secret_sealed FROM customers ORDER BY id`)).toEqual([
        { id: "cust_live", callback_secret_sealed: null, live_callback_secret_sealed: "sealed-live" },
        { id: "cust_sbx", callback_secret_sealed: "sealed-sbx", live_callback_secret_sealed: null },
      ]);
      expect(await session.query(`SELECT customer_id, environment, sum(tasks)::int AS tasks FROM task_stats GROUP BY 1, 2 ORDER BY 1, 2`)).toEqual([
        { customer_id: "cust_live", environment: "live", tasks: 1 },
        { customer_id: "cust_live", environment: "sandbox", tasks: 1 },
        { customer_id: "cust_sbx", environment: "sandbox", tasks: 1 },
      ]);
    });
  });
});
