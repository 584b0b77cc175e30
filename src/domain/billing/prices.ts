// What one label costs: the configured price of its task type for live
// customers; sandbox labels are recorded at price 0.
import type { Config } from "../../config.js";

export type PriceList = Pick<Config, "prices" | "currency">;

export function unitPriceOf(prices: PriceList, task: { type: string; workforce: string }): { tier: "sandbox" | "live"; unitPrice: number } {
  // The workforce was chosen from the customer's tier at submission: what the label was made under.
  if (task.workforce === "simulated") return { tier: "sandbox", unitPrice: 0 };
  return { tier: "live", unitPrice: prices.prices[task.type] ?? 0 };
}
