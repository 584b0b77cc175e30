// Closes ended months into invoices. Any number of processes may run it: an
// invoice's (customer, period) key admits one, so a month is never billed twice.
import type { Deps } from "../deps.js";
import { closeEndedMonths } from "../domain/billing/index.js";
import { startPollingWorker, type Worker } from "./worker.js";

export function startInvoiceCloser(deps: Deps, options: { idleMs?: number } = {}): Worker {
  return startPollingWorker({
    name: "invoice-closer",
    logger: deps.logger,
    // Months end once a month; a minute's delay is nothing, and the query is cheap.
    idleMs: options.idleMs ?? 60_000,
    prepare: async () => {},
    tick: async () => {
      const issued = await closeEndedMonths(deps);
      if (issued > 0) deps.logger.info({ issued }, "invoices issued");
      return false;
    },
  });
}
