// Expected errors as GraphQL types, for mutations that return a result union
// (Pothos errors plugin). The same codes as REST.
import { AppError } from "../domain/shared/index.js";
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

/** For single-object queries: a missing (or another customer's) object is null, not an error. */
export async function nullIfNotFound<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") return null;
    throw error;
  }
}
