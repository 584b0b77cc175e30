// Public IDs: a type prefix plus a ULID, so IDs sort in creation order and
// cursors can page on the primary key.
import { encodeTime, monotonicFactory } from "ulid";

const ulid = monotonicFactory();

export type IdPrefix = "cust" | "key" | "tsk" | "bat" | "job" | "whk" | "evt" | "dlv" | "att" | "inv" | "ann" | "asg" | "jdg" | "aud" | "mem" | "ses" | "prj" | "exp" | "wtm" | "wti";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}


/** The smallest id of this prefix made at or after `time`: ids sort by time, so "since" is an id range. */
export function firstIdSince(prefix: IdPrefix, time: Date): string {
  return `${prefix}_${encodeTime(time.getTime(), 10).toLowerCase()}${"0".repeat(16)}`;
}
