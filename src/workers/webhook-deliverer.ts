// Delivers due webhook deliveries with bounded concurrency: a slow or dead
// receiver holds one slot (at most one in flight per endpoint), never the rest.
import type { Deps } from "../deps.js";
import { attemptDelivery, claimDueDeliveries, hasDueDeliveries, type ClaimedDelivery, type DeliveryPolicy } from "../domain/webhooks/index.js";
import { startPollingWorker, type Worker } from "./worker.js";

const MAX_IN_FLIGHT = 64;
/** Claims wait for this many free slots while attempts are in flight, so each claim transaction takes several. */
const CLAIM_BATCH = 8;
const DRAIN_MS = 3_000;
/** Deliveries to one endpoint in a row before its slot is offered to the others. */
const TURN_LENGTH = 100;

export function startWebhookDeliverer(deps: Deps, policy: DeliveryPolicy, options: { idleMs?: number } = {}): Worker {
  // Longer than one attempt can take, so a live claim is never taken over.
  const leaseMs = policy.timeoutMs * 2 + 5_000;
  const inFlight = new Set<Promise<void>>();

  /**
   * A claimed delivery, then the same endpoint's next due ones while they
   * succeed, up to a turn's length: then the slot is freed and the next claim
   * goes to whichever endpoint waited longest.
   */
  const deliverInTurn = async (first: ClaimedDelivery) => {
    let delivery: ClaimedDelivery | null = first;
    for (let turn = 1; delivery; turn++) {
      const claimNext = turn < TURN_LENGTH && !worker.isStopped() ? { leaseMs } : null;
      const result: { status: string; next: ClaimedDelivery | null } = await attemptDelivery(deps, delivery, policy, claimNext);
      deps.metrics.webhookAttempt(result.status);
      delivery = result.next;
    }
  };

  const worker = startPollingWorker({
    name: "webhook-deliverer",
    logger: deps.logger,
    idleMs: options.idleMs ?? 200,
    prepare: async () => {},
    hasWork: async () => inFlight.size > 0 || (await hasDueDeliveries(deps)),
    // Fills the free slots; attempts run on while the loop goes on claiming.
    tick: async () => {
      let claimed = false;
      while (!worker.isStopped() && (inFlight.size === 0 || MAX_IN_FLIGHT - inFlight.size >= CLAIM_BATCH)) {
        const wanted = MAX_IN_FLIGHT - inFlight.size;
        const deliveries = await claimDueDeliveries(deps, leaseMs, wanted).catch((error) => {
          if (!worker.isStopped()) deps.logger.warn({ err: error }, "webhook deliverer: claim failed");
          return [];
        });
        if (deliveries.length === 0) break;
        claimed = true;
        for (const delivery of deliveries) {
          const attempt: Promise<void> = deliverInTurn(delivery)
            .catch((error) => deps.logger.error({ err: error, deliveryId: delivery.id }, "webhook deliverer: attempt failed"))
            .finally(() => {
              inFlight.delete(attempt);
              worker.wake();
            });
          inFlight.add(attempt);
        }
        if (deliveries.length < wanted) break; // nothing more is due (or its endpoints are busy)
      }
      return claimed;
    },
    // On shutdown, attempts in flight get a moment to finish; one that does not
    // keeps its lease, which expires, and the delivery is retried (at least once).
    drain: () => Promise.race([Promise.all(inFlight), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]),
  });
  return worker;
}
