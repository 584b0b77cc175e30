// Who is making a call. Every domain function that touches tenant data takes one.

export interface CustomerActor {
  kind: "customer";
  customerId: string;
  tier: "sandbox" | "live";
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
