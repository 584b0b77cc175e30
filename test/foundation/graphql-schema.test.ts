import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printSortedSchema } from "../../src/graphql/schema.js";

describe("schema.graphql", () => {
  it("is up to date (run `npm run schema:print` after changing the schema)", () => {
    expect(readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8")).toBe(printSortedSchema());
  });
});
