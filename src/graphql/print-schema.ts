// Writes schema.graphql (deterministic; a test fails when it is stale).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { printSortedSchema } from "./schema.js";

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../schema.graphql");
writeFileSync(target, printSortedSchema());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
