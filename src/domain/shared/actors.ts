// Who is making a call. Every domain function that touches tenant data takes one.

/** A customer's tier: sandbox keys are labeled by the simulated crowd, live keys by people. */
export const TIERS = ["sandbox", "live"] as const;
export type Tier = (typeof TIERS)[number];

export interface CustomerActor {
  kind: "customer";
  customerId: string;
  tier: Tier;
}

export interface AnnotatorActor {
  kind: "annotator";
  annotatorId: string;
  /** Which queue this annotator works: sandbox tasks go to the simulated crowd. */
  workforce: "human" | "simulated";
}

/** An operator, authenticated by the configured ADMIN_TOKEN. */
export interface AdminActor {
  kind: "admin";
}

export type Actor = CustomerActor | AnnotatorActor | AdminActor;
