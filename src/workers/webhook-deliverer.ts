// Delivers due webhook deliveries with bounded concurrency: a slow or dead
// receiver holds one slot (at most one in flight per endpoint), never the rest.
import type { Deps } from "../deps.js";
import { attemptDelivery, claimDueDelivery, type DeliveryPolicy } from "../domain/webhooks/index.js";
import { startPollingWorker, type Worker } from "./worker.js";

const MAX_IN_FLIGHT = 16;
const DRAIN_MS = 3_000;

export function startWebhookDeliverer(deps: Deps, policy: DeliveryPolicy, options: { idleMs?: number } = {}): Worker {
  // Longer than one attempt can take, so a live claim is never taken over.
  const leaseMs = policy.timeoutMs * 2 + 5_000;
  const inFlight = new Set<Promise<void>>();

  const worker = startPollingWorker({
    name: "webhook-deliverer",
    logger: deps.logger,
    idleMs: options.idleMs ?? 200,
    prepare: async () => {},
    // Fills the free slots; attempts run on while the loop goes on claiming.
    tick: async () => {
      let claimed = false;
      while (!worker.isStopped() && inFlight.size < MAX_IN_FLIGHT) {
        const deliveryId = await claimDueDelivery(deps, leaseMs).catch((error) => {
          if (!worker.isStopped()) deps.logger.warn({ err: error }, "webhook deliverer: claim failed");
          return null;
        });
        if (!deliveryId) break;
        claimed = true;
        const attempt: Promise<void> = attemptDelivery(deps, deliveryId, policy)
          .then((status) => deps.metrics.webhookAttempt(status))
          .catch((error) => deps.logger.error({ err: error, deliveryId }, "webhook deliverer: attempt failed"))
          .finally(() => {
            inFlight.delete(attempt);
            worker.wake();
          });
        inFlight.add(attempt);
      }
      return claimed;
    },
    // On shutdown, attempts in flight get a moment to finish; one that does not
    // keeps its lease, which expires, and the delivery is retried (at least once).
    drain: () => Promise.race([Promise.all(inFlight), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]),
  });
  return worker;
}
