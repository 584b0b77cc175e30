// Typed pub/sub with id-only payloads: subscribers refetch what they need.
// In memory for one process; Redis fan-out across processes when REDIS_URL is set.
import { setMaxListeners } from "node:events";
import { createPubSub } from "graphql-yoga";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { Redis } from "ioredis";

export interface TaskEvent {
  taskId: string;
  customerId: string;
  environment: string;
  batchId: string | null;
  jobId: string | null;
  status: string;
}

export interface JobEvent {
  jobId: string;
  customerId: string;
  environment: string;
  status: string;
}

export type PubSubChannels = {
  /** Every task status change of one customer environment (tenantTopic: "<customer id>:<environment>"). */
  "customer:tasks": [tenant: string, event: TaskEvent];
  /** A job's status or ingestion progress changed (same topics). */
  "customer:jobs": [tenant: string, event: JobEvent];
  /** A credential was revoked somewhere: every process forgets its cached lookups. */
  "credentials:revoked": [scope: "all", event: { at: number }];
  /** A job was created: the ingesters (any process) look for work now rather than at their next poll. */
  "jobs:queued": [scope: "all", event: { jobId: string }];
  /** An export was asked for: the builders (any process) start it now. */
  "exports:queued": [scope: "all", event: { exportId: string }];
};

type Channel = keyof PubSubChannels;

export type PubSub = ReturnType<typeof createPubSub<PubSubChannels>> & {
  /**
   * Subscribes now and resolves once the subscription is live: every event
   * published after that is delivered. (Yoga's `subscribe` only starts
   * listening at the first `next()`, and Redis confirms a SUBSCRIBE later still.)
   * Read a snapshot after this, and no change can fall between the two.
   */
  listen<C extends Channel>(channel: C, id: PubSubChannels[C][0]): Promise<AsyncIterableIterator<PubSubChannels[C][1]>>;
};

export interface PubSubHandle {
  pubsub: PubSub;
  close(): Promise<void>;
}

function withListen(pubsub: ReturnType<typeof createPubSub<PubSubChannels>>, confirmed: (topic: string) => Promise<unknown>): PubSub {
  return Object.assign(pubsub, {
    async listen<C extends Channel>(channel: C, id: PubSubChannels[C][0]) {
      const iterator = (pubsub.subscribe as (c: C, i: unknown) => AsyncIterable<PubSubChannels[C][1]>)(channel, id)[Symbol.asyncIterator]();
      // The first next() attaches the listener; its value is handed out by the first next() of ours.
      let first: Promise<IteratorResult<PubSubChannels[C][1]>> | undefined = iterator.next();
      first.catch(() => {});
      await confirmed(`${channel}:${id}`);
      const listening: AsyncIterableIterator<PubSubChannels[C][1]> = {
        next: () => {
          const value = first ?? iterator.next();
          first = undefined;
          return value;
        },
        return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
        [Symbol.asyncIterator]: () => listening,
      };
      return listening;
    },
  });
}

export function createAppPubSub(redisUrl?: string): PubSubHandle {
  if (!redisUrl) {
    // One listener per subscription on a customer's topic: a thousand is normal, not a leak (Node warns past 10).
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    return { pubsub: withListen(createPubSub<PubSubChannels>({ eventTarget }), async () => {}), close: async () => {} };
  }
  const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    // Redis answers commands on one connection in order: once this SUBSCRIBE
    // is confirmed, the event target's own SUBSCRIBE of the topic is live.
    pubsub: withListen(createPubSub<PubSubChannels>({ eventTarget }), (topic) => subscribeClient.subscribe(topic)),
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
