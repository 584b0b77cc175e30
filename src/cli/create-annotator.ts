// npm run annotator:create -- "Name": creates an annotator and prints its token once.
// Works whether or not the server is running on the same DATA_DIR.
import { loadConfig } from "../config.js";
import { openDatabaseBesideServer } from "../db/database.js";
import { createAnnotator } from "../domain/labeling/index.js";

const name = process.argv.slice(2).join(" ").trim();
if (!name) {
  console.error('usage: npm run annotator:create -- "Annotator Name"');
  process.exit(2);
}
const config = loadConfig();
const db = await openDatabaseBesideServer(config, "annotator:create");
try {
  const { annotator, token } = await createAnnotator(db, { kind: "admin" }, { name });
  console.log(`annotator ${annotator.id} (${annotator.name})`);
  console.log(`token: ${token}`);
  console.log("Give this token to the annotator; it cannot be shown again.");
} finally {
  await db.close();
}
