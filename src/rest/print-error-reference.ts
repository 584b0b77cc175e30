// Writes docs/errors.md (a test fails when it is stale).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderErrorReference } from "./error-reference.js";

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/errors.md");
writeFileSync(target, renderErrorReference());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
