// Config for the Prisma 6.19 CLI ("prisma6" dev dependency), used only by
// prisma/migrate-tool.ts. Its JS schema engine works through a driver adapter,
// so nothing native is downloaded. The adapter is a fresh in-memory PGlite
// migrated by our own migrator: introspecting it shows exactly what the
// migrations produce.
import { defineConfig } from "prisma6/config";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { migrate } from "../src/db/migrator.js";
import { pgliteSession } from "../src/db/database.js";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => {
    const pglite = new PGlite("memory://");
    await migrate(pgliteSession(pglite));
    return new PrismaPGlite(pglite);
  },
});
