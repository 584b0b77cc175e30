// Expected errors as GraphQL types, for mutations that return a result union
// (Pothos errors plugin). The same codes as REST.
import { AppError } from "../domain/errors.js";
import { builder } from "./builder.js";

const ErrorInterface = builder.interfaceRef<AppError>("Error").implement({
  fields: (t) => ({
    code: t.exposeString("code"),
    message: t.exposeString("message"),
  }),
});

builder.objectType(AppError, {
  name: "AppError",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AppError,
  fields: (t) => ({
    details: t.field({ type: "JSON", nullable: true, resolve: (error) => error.details ?? null }),
  }),
});

export { AppError };
