import { builder } from "./builder.js";
import { checkHealth } from "../domain/system/index.js";

const Health = builder.objectRef<{ ok: boolean; service: string }>("Health").implement({
  fields: (t) => ({
    ok: t.exposeBoolean("ok"),
    service: t.exposeString("service"),
  }),
});

builder.queryField("health", (t) =>
  t.field({
    type: Health,
    description: "Liveness of the service and its database; needs no credentials.",
    resolve: (_root, _args, context) => checkHealth(context.deps),
  }),
);
