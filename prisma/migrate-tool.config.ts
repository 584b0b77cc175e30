// Config for the Prisma 6.19 CLI ("prisma6" dev dependency), used only by
// prisma/migrate-tool.ts. Its JS schema engine works through a driver adapter,
// so nothing native is downloaded. The adapter is a fresh in-memory PGlite
// migrated by our own migrator: introspecting it shows exactly what the
// migrations produce.
import { defineConfig } from "prisma6/config";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { migrate, type SqlSession } from "../src/db/migrator.js";

// PGlite stays a development tool only: the Prisma 6.19 CLI's introspection
// fails through @prisma/adapter-pg on PostgreSQL 18 ("Column type 'char' could
// not be deserialized"), and works through pglite-prisma-adapter.
function pgliteSession(pglite: PGlite): SqlSession {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
    exec: async (sql: string) => {
      await pglite.exec(sql);
    },
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => {
    const pglite = new PGlite("memory://");
    await migrate(pgliteSession(pglite));
    return new PrismaPGlite(pglite);
  },
});
