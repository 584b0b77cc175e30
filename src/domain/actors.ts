// Who is making a call. Every domain function that touches tenant data takes one.

export interface CustomerActor {
  kind: "customer";
  customerId: string;
  tier: "sandbox" | "live";
}

export type Actor = CustomerActor;
