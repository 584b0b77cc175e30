// What one label costs: the configured price of its task type for live
// customers; sandbox labels are recorded at price 0.
import type { Config } from "../../config.js";

export type PriceList = Pick<Config, "prices" | "currency">;

export function unitPriceOf(prices: PriceList, task: { type: string; environment: string }): { tier: "sandbox" | "live"; unitPrice: number } {
  // The environment of the key that submitted it: what the label was made under.
  if (task.environment !== "live") return { tier: "sandbox", unitPrice: 0 };
  return { tier: "live", unitPrice: prices.prices[task.type] ?? 0 };
}
