// Public IDs: a type prefix plus a ULID, so IDs sort in creation order and
// cursors can page on the primary key.
import { monotonicFactory } from "ulid";

const ulid = monotonicFactory();

export type IdPrefix = "cust" | "key" | "tsk" | "bat" | "job" | "whk" | "evt" | "dlv" | "att" | "inv" | "ann" | "asg" | "jdg";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

