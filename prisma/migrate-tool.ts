// Authoring and checking migrations offline.
//
//   tsx prisma/migrate-tool.ts check        exit 0 when the migrations produce exactly schema.prisma
//   tsx prisma/migrate-tool.ts new <name>   writes prisma/migrations/<timestamp>_<name>/migration.sql
//
// Prisma 7's `migrate` needs a native schema engine that cannot be downloaded
// here. The Prisma 6.19 CLI (dev dependency "prisma6") has a JS engine: it
// introspects a database that our migrator built (see migrate-tool.config.ts)
// and diffs that against schema.prisma, both offline.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MIGRATIONS_DIR, readMigrations } from "../src/db/migrator.js";

const prismaDir = path.dirname(fileURLToPath(import.meta.url));
const prisma6Cli = path.resolve(prismaDir, "../node_modules/prisma6/build/index.js");

/** SQL that would bring the migrated database to schema.prisma; empty when they match. */
export async function diffMigrationsAgainstSchema(): Promise<string> {
  const workDir = mkdtempSync(path.join(tmpdir(), "refinery-migrate-"));
  try {
    // Prisma 6 wants `url` in the datasource block; Prisma 7 forbids it. Give the old CLI a copy.
    const schema = readFileSync(path.join(prismaDir, "schema.prisma"), "utf8").replace(
      /datasource db \{\n\s*provider\s*=\s*"postgresql"/,
      (block) => `${block}\n  url = env("MIGRATE_TOOL_DATABASE_URL")`,
    );
    const expected = path.join(workDir, "expected.prisma");
    writeFileSync(expected, schema);
    let from = ["--from-empty"];
    if (readMigrations().length > 0) {
      const introspected = path.join(workDir, "migrated.prisma");
      writeFileSync(introspected, await prisma6(workDir, ["db", "pull", "--print", "--schema", expected]));
      from = ["--from-schema-datamodel", introspected];
    }
    return (await prisma6(workDir, [
      "migrate",
      "diff",
      ...from,
      "--to-schema-datamodel",
      expected,
      "--script",
      // Without it this CLI version exits 99 even on success; with it: 0 same, 2 different.
      "--exit-code",
    ]))
      .replace(/^-- This is an empty migration\.\s*$/m, "")
      .trim();
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs the CLI without blocking this process (a test worker must keep answering its runner). */
async function prisma6(workDir: string, args: string[]): Promise<string> {
  // The CLI insists that these paths exist even though its JS engine never loads them.
  const placeholder = path.join(workDir, "no-native-engine");
  writeFileSync(placeholder, "");
  const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [prisma6Cli, ...args, "--config", path.join(prismaDir, "migrate-tool.config.ts")],
      {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          MIGRATE_TOOL_DATABASE_URL: "postgresql://unused@127.0.0.1/unused",
          PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
          PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
          PRISMA_HIDE_UPDATE_MESSAGE: "1",
          CHECKPOINT_DISABLE: "1",
        },
      },
      (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    ),
  );
  // The in-process PGlite of the config turns the CLI's exit(0) into 99, so 99
  // is success here; `migrate diff --exit-code` uses 2 for "differs".
  const ok = result.status === 0 || result.status === 99 || (args[1] === "diff" && result.status === 2);
  if (!ok || /^Error:/m.test(result.stderr)) {
    throw new Error(`prisma6 ${args.slice(0, 2).join(" ")} failed (${result.status}): ${result.stderr}${result.stdout}`);
  }
  // Drop the CLI's chatter ("Loaded Prisma config…", adapter warnings) that precedes the output.
  const firstContentLine = result.stdout.search(/^(generator |datasource |model |--|CREATE|ALTER|DROP)/m);
  return firstContentLine >= 0 ? result.stdout.slice(firstContentLine) : "";
}

async function main(argv: string[]) {
  const [command, name] = argv;
  const sql = await diffMigrationsAgainstSchema();
  if (command === "check") {
    if (sql) {
      console.error("migrations do not match prisma/schema.prisma; missing SQL:\n" + sql);
      process.exit(1);
    }
    console.log("migrations match prisma/schema.prisma");
  } else if (command === "new" && name && /^[a-z0-9_]+$/.test(name)) {
    if (!sql) {
      console.log("schema.prisma has no changes since the last migration; nothing written");
      return;
    }
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), sql + "\n");
    console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
  } else {
    console.error("usage: migrate-tool.ts check | new <snake_case_name>");
    process.exit(2);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main(process.argv.slice(2));
}
