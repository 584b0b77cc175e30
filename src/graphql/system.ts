import { builder } from "./builder.js";
import { checkHealth } from "../domain/system/index.js";

const Health = builder.objectRef<{ ok: boolean; service: string }>("Health").implement({
  description: "Whether the service can serve.",
  fields: (t) => ({
    ok: t.exposeBoolean("ok", { description: "True when the service and its database answer." }),
    service: t.exposeString("service", { description: "The service's name (asg-gateway)." }),
  }),
});

builder.queryField("health", (t) =>
  t.field({
    type: Health,
    description: "Liveness of the service and its database; needs no credentials.",
    resolve: (_root, _args, context) => checkHealth(context.deps),
  }),
);
