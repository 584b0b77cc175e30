import { defineConfig } from "vitest/config";

export default defineConfig({
  // One graphql instance: without this, vite resolves our imports to the ESM
  // build while Pothos and Yoga load the CommonJS one ("another realm").
  resolve: { alias: { graphql: "graphql/index.js" } },
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    // One PostgreSQL per run (embedded, or DATABASE_URL's) with a migrated template; each file clones it.
    globalSetup: ["test/support/global-setup.ts"],
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // .ci/run asks for a JSON report too, to print one "N passed, N failed" line.
    reporters: process.env.VITEST_JSON_REPORT ? ["default", "json"] : ["default"],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : undefined,
  },
});
