// Each environment has its own label quota: a sandbox key's tasks draw on the
// sandbox quota and go to the simulated crowd, a live key's on the live quota
// and go to people. A task's workforce records which it was.
import type { Tx } from "../../db/transaction.js";
import { AppError, type Environment } from "../shared/index.js";

export type Workforce = "simulated" | "human";

export function workforceOf(environment: Environment): Workforce {
  return environment === "sandbox" ? "simulated" : "human";
}

/** Each environment's quota columns of the customers table: labels used, and the quota. */
export const QUOTA_COLUMNS: Record<Environment, { used: string; quota: string }> = {
  sandbox: { used: "sandbox_labels_used", quota: "sandbox_label_quota" },
  live: { used: "labels_used", quota: "label_quota" },
};

class QuotaExceededError extends AppError {
  constructor(requested: number, remaining: number, environment: Environment) {
    super(
      "quota_exceeded",
      `this request needs ${requested} labels but only ${remaining} remain in your ${environment} quota`,
      { requested, remaining, environment },
    );
  }
}

/**
 * Charges `labels` to the environment's quota, or throws quota_exceeded with
 * the numbers (nothing charged). The conditional UPDATE is the check:
 * concurrent submissions cannot oversell.
 */
export async function chargeQuota(tx: Tx, customerId: string, environment: Environment, labels: number): Promise<void> {
  const charged =
    environment === "sandbox"
      ? await tx.$executeRaw`
          UPDATE customers SET sandbox_labels_used = sandbox_labels_used + ${labels}, updated_at = now()
          WHERE id = ${customerId} AND sandbox_labels_used + ${labels} <= sandbox_label_quota`
      : await tx.$executeRaw`
          UPDATE customers SET labels_used = labels_used + ${labels}, updated_at = now()
          WHERE id = ${customerId} AND labels_used + ${labels} <= label_quota`;
  if (charged === 0) {
    const customer = await tx.customer.findUniqueOrThrow({ where: { id: customerId } });
    const remaining = environment === "sandbox" ? customer.sandboxLabelQuota - customer.sandboxLabelsUsed : customer.labelQuota - customer.labelsUsed;
    throw new QuotaExceededError(labels, Math.max(0, remaining), environment);
  }
}

/** Gives back labels charged for tasks that will not be labeled. */
export async function refundQuota(tx: Tx, customerId: string, environment: Environment, labels: number): Promise<void> {
  if (labels <= 0) return;
  await tx.customer.update({
    where: { id: customerId },
    data: environment === "sandbox" ? { sandboxLabelsUsed: { decrement: labels } } : { labelsUsed: { decrement: labels } },
  });
}
