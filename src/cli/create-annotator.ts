// npm run annotator:create -- "Name": creates an annotator and prints its token once.
// Works whether or not the server is running on the same DATA_DIR, but never
// makes a new database: a token written where no server reads would be refused.
import { dataDirOf, loadConfig } from "../config.js";
import { assertEmbeddedDatabaseIn, NoDatabaseHereError, openDatabaseBesideServer } from "../db/database.js";
import { createAnnotator } from "../domain/labeling/index.js";

const name = process.argv.slice(2).join(" ").trim();
if (!name) {
  console.error('usage: npm run annotator:create -- "Annotator Name"');
  process.exit(2);
}
function refuse(error: unknown): never {
  if (!(error instanceof NoDatabaseHereError)) throw error;
  console.error(`annotator:create: ${error.message}`);
  process.exit(1);
}
// Checked before loadConfig, which would write DATA_DIR/server-secret.
if (!process.env.DATABASE_URL) {
  try {
    assertEmbeddedDatabaseIn(dataDirOf());
  } catch (error) {
    refuse(error);
  }
}
const opened = await openDatabaseBesideServer(loadConfig(), "annotator:create").catch(refuse);
console.error(`database: ${opened.where}`);
try {
  const { annotator, token } = await createAnnotator(opened.db, { kind: "admin" }, { name });
  console.log(`annotator ${annotator.id} (${annotator.name})`);
  console.log(`token: ${token}`);
  console.log("Give this token to the annotator; it cannot be shown again.");
} finally {
  await opened.db.close();
}
