// Delivers due webhook deliveries with bounded concurrency: a slow or dead
// receiver holds one slot (at most one in flight per endpoint), never the rest.
import type { Deps } from "../deps.js";
import { attemptDelivery, claimDueDelivery, type DeliveryPolicy } from "../domain/webhook-delivery.js";
import type { Worker } from "./worker.js";

const MAX_IN_FLIGHT = 16;

export function startWebhookDeliverer(deps: Deps, policy: DeliveryPolicy, options: { idleMs?: number } = {}): Worker {
  const idleMs = options.idleMs ?? 200;
  // Longer than one attempt can take, so a live claim is never taken over.
  const leaseMs = policy.timeoutMs * 2 + 5_000;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let wake: (() => void) | undefined;

  const loop = (async () => {
    while (!stopped) {
      let claimed = false;
      while (!stopped && inFlight.size < MAX_IN_FLIGHT) {
        const deliveryId = await claimDueDelivery(deps, leaseMs).catch((error) => {
          if (!stopped) deps.logger.warn({ err: error }, "webhook deliverer: claim failed");
          return null;
        });
        if (!deliveryId) break;
        claimed = true;
        const attempt: Promise<void> = attemptDelivery(deps, deliveryId, policy)
          .catch((error) => deps.logger.error({ err: error, deliveryId }, "webhook deliverer: attempt failed"))
          .finally(() => {
            inFlight.delete(attempt);
            wake?.();
          });
        inFlight.add(attempt);
      }
      if (!claimed && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, idleMs);
        });
      }
    }
  })();

  return {
    name: "webhook-deliverer",
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      await Promise.all(inFlight);
    },
  };
}
