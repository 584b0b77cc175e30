// Deadlocks between concurrent transactions are retried, never surfaced.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transaction } from "../../src/db/transaction.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.prisma.$executeRawUnsafe("CREATE TABLE counters (id int PRIMARY KEY, value int NOT NULL)");
});
afterAll(() => database.drop());

describe("transaction()", () => {
  it("retries the victim of a deadlock so both transactions commit", async () => {
    const prisma = database.db.prisma;
    await prisma.$executeRawUnsafe("INSERT INTO counters VALUES (1, 0), (2, 0)");
    let attempts = 0;
    // Each locks one row, waits until the other has too, then wants the other's row.
    let locked = 0;
    const bothLocked = () =>
      new Promise<void>((resolve) => {
        const check = () => (locked >= 2 ? resolve() : setTimeout(check, 5));
        check();
      });
    const crossing = (first: number, second: number) =>
      transaction(prisma, async (tx) => {
        attempts++;
        await tx.$executeRawUnsafe(`UPDATE counters SET value = value + 1 WHERE id = ${first}`);
        locked++;
        await bothLocked();
        await tx.$executeRawUnsafe(`UPDATE counters SET value = value + 1 WHERE id = ${second}`);
      });
    await Promise.all([crossing(1, 2), crossing(2, 1)]);
    const rows = await prisma.$queryRawUnsafe<{ id: number; value: number }[]>("SELECT id, value FROM counters ORDER BY id");
    expect(rows).toEqual([
      { id: 1, value: 2 },
      { id: 2, value: 2 },
    ]);
    // One of the two was chosen as the deadlock victim and ran again.
    expect(attempts).toBe(3);
  });
});
