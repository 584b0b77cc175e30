// Imports only: each domain file registers its own types and fields.
import { lexicographicSortSchema, printSchema } from "graphql";
import { builder } from "./builder.js";
import "./errors.js";
import "./system.js";
import "./customers.js";
import "./tasks.js";
import "./labeling.js";
import "./webhooks.js";
import "./jobs.js";
import "./billing.js";
import "./dashboard.js";
import "./audit.js";
import "./members.js";
import "./projects.js";
import "./exports.js";
import "./work-teams.js";

export const schema = builder.toSchema();

/** Deterministic SDL, written to schema.graphql by `npm run schema:print`. */
export function printSortedSchema(): string {
  return printSchema(lexicographicSortSchema(schema)) + "\n";
}
