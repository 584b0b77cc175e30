// Typed pub/sub with id-only payloads: subscribers refetch what they need.
// In memory for one process; Redis fan-out across processes when REDIS_URL is set.
import { createPubSub } from "graphql-yoga";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { Redis } from "ioredis";

export interface TaskEvent {
  taskId: string;
  customerId: string;
  batchId: string | null;
  jobId: string | null;
  status: string;
}

export interface JobEvent {
  jobId: string;
  customerId: string;
  status: string;
}

export type PubSubChannels = {
  /** Every task status change of one customer. */
  "customer:tasks": [customerId: string, event: TaskEvent];
  /** A job's status or ingestion progress changed. */
  "customer:jobs": [customerId: string, event: JobEvent];
};

export type PubSub = ReturnType<typeof createPubSub<PubSubChannels>>;

export interface PubSubHandle {
  pubsub: PubSub;
  close(): Promise<void>;
}

export function createAppPubSub(redisUrl?: string): PubSubHandle {
  if (!redisUrl) return { pubsub: createPubSub<PubSubChannels>(), close: async () => {} };
  const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<PubSubChannels>({ eventTarget }),
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
