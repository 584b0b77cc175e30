// The event feed: the outbox read as a replayable log. A consumer keeps the
// cursor of the last event it handled and asks for what follows; after any
// outage shorter than the retention it receives each event it missed exactly
// once, in order.
//
// Order is (writing transaction id, sequence). Ids and sequence numbers are
// taken before commit, so a transaction that commits late could put an event
// behind a cursor a reader already passed. The feed therefore serves only
// events of transactions older than every transaction still running (below
// the reader's snapshot xmin): those are final, and nothing can ever be added
// among them. The price: a long transaction anywhere on the database server
// holds the feed back until it ends.
import { z } from "zod";
import type { Deps } from "../../deps.js";
import { closingSourcesOnReturn, parseInput, tenantTopic, type Tenant } from "../shared/index.js";
import { EVENT_TYPES, type EventType } from "./outbox.js";

export const FEED_MAX_LIMIT = 1000;
/**
 * A follower reads again when its tenant's tasks or jobs change, and at least
 * this often: an event's transaction may still sit above the xmin when the
 * change is announced.
 */
const FOLLOW_POLL_MS = 1000;

export interface FeedEvent {
  id: string;
  type: EventType;
  createdAt: Date;
  data: unknown;
  /** Pass as `after` to continue after this event. */
  cursor: string;
}

export interface FeedPage {
  events: FeedEvent[];
  /** Where to continue: the last event's cursor, or `after` when there was none. */
  nextCursor: string | null;
  /** More events are ready now (the page was full). */
  hasMore: boolean;
}

const CURSOR = /^(\d{1,20})-(\d{1,20})$/;

const feedQuerySchema = z
  .object({
    after: z.string().regex(CURSOR, "is not an event cursor from this API").optional(),
    types: z.array(z.enum(EVENT_TYPES)).min(1, "needs at least one event type").optional(),
    limit: z.coerce
      .number({ message: "must be a number" })
      .int("must be an integer")
      .min(1, "must be at least 1")
      .max(FEED_MAX_LIMIT, `must be at most ${FEED_MAX_LIMIT}`)
      .default(100),
  })
  .strict();
/** As a client sends it (REST query strings, GraphQL arguments): checked here. */
export interface FeedQuery {
  after?: string;
  types?: string[];
  limit?: string | number;
}

/** The caller's environment's events after `after` (from the oldest kept, without one), oldest first. */
export async function readEventFeed(deps: Pick<Deps, "prisma">, tenant: Tenant, query: FeedQuery): Promise<FeedPage> {
  const { after, types, limit } = parseInput(feedQuerySchema, query);
  const [, afterTxid = "0", afterSeq = "0"] = after ? CURSOR.exec(after)! : [];
  const rows = await deps.prisma.$queryRaw<{ id: string; type: EventType; createdAt: Date; payload: { data: unknown }; txid: string; seq: bigint }[]>`
    SELECT id, type, created_at AS "createdAt", payload, txid::text AS txid, seq
    FROM events
    WHERE customer_id = ${tenant.customerId} AND environment = ${tenant.environment}
      AND (txid, seq) > (${afterTxid}::xid8, ${afterSeq}::bigint)
      AND txid < pg_snapshot_xmin(pg_current_snapshot())
      AND (${types ?? null}::text[] IS NULL OR type = ANY(${types ?? null}::text[]))
    ORDER BY txid, seq
    LIMIT ${limit}`;
  const events = rows.map((row) => ({ id: row.id, type: row.type, createdAt: row.createdAt, data: row.payload.data, cursor: `${row.txid}-${row.seq}` }));
  return { events, nextCursor: events.at(-1)?.cursor ?? after ?? null, hasMore: events.length === limit };
}

/**
 * The feed from `after`, then each new event as it becomes final: what a
 * subscriber receives, in order, exactly once. A bad cursor or type is
 * refused before the stream starts.
 */
export async function followEventFeed(
  deps: Pick<Deps, "prisma" | "pubsub">,
  tenant: Tenant,
  query: Omit<FeedQuery, "limit">,
): Promise<AsyncIterableIterator<FeedEvent>> {
  const topic = tenantTopic(tenant);
  const sources = [await deps.pubsub.listen("customer:tasks", topic), await deps.pubsub.listen("customer:jobs", topic)];
  const first = await readEventFeed(deps, tenant, { ...query, limit: FEED_MAX_LIMIT }).catch(async (error) => {
    await Promise.all(sources.map((source) => source.return?.()));
    throw error;
  });
  let closed = false;
  let changed = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    changed = true;
    wake?.();
  };
  for (const source of sources) void (async () => { for await (const _ of source) signal(); })();
  const stream = (async function* () {
    let page = first;
    for (;;) {
      yield* page.events;
      if (!page.hasMore && !changed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FOLLOW_POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      changed = false;
      if (closed) return;
      page = await readEventFeed(deps, tenant, { after: page.nextCursor ?? undefined, types: query.types, limit: FEED_MAX_LIMIT });
    }
  })();
  return closingSourcesOnReturn(stream, async () => {
    closed = true;
    wake?.();
    await Promise.all(sources.map((source) => source.return?.()));
  });
}

/**
 * Deletes events older than the retention whose deliveries are all settled,
 * a bounded number per call (the worker calls again while there are more).
 * Answers how many it deleted.
 */
export async function pruneEvents(deps: Pick<Deps, "prisma">, retentionDays: number, batchSize = 5000): Promise<number> {
  return deps.prisma.$executeRaw`
    DELETE FROM events WHERE id IN (
      SELECT e.id FROM events e
      WHERE e.created_at < now() - make_interval(days => ${retentionDays})
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status IN ('pending', 'retrying'))
      LIMIT ${batchSize})`;
}
