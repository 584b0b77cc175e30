// The REST API documents snake_case fields; the domain speaks camelCase. Bodies
// are mapped on the way in, and field names in errors on the way out, so a
// REST client only ever sees the documented names.
import { z } from "zod";
import { AppError, ValidationError, type FieldProblem } from "../domain/shared/index.js";

/** Documented request fields whose domain name differs. */
const DOMAIN_NAME_OF = new Map([
  ["data_url", "dataUrl"],
  ["label_spec", "labelSpec"],
  ["callback_url", "callbackUrl"],
  ["min_confidence", "minConfidence"],
  ["external_id", "externalId"],
  ["gold_answer", "goldAnswer"],
  ["manifest_url", "manifestUrl"],
  ["s3_credentials", "s3Credentials"],
  ["access_key_id", "accessKeyId"],
  ["secret_access_key", "secretAccessKey"],
  ["session_token", "sessionToken"],
  ["per_page", "perPage"],
  ["project_id", "projectId"],
  ["batch_id", "batchId"],
  ["job_id", "jobId"],
  ["created_after", "createdAfter"],
  ["created_before", "createdBefore"],
  ["completed_after", "completedAfter"],
  ["completed_before", "completedBefore"],
  ["customer_id", "customerId"],
  ["work_team_id", "workTeamId"],
  ["quality_rules", "qualityRules"],
  ["gold_rate", "goldRate"],
  ["annotator_id", "annotatorId"],
]);
const REST_NAME_OF = new Map([...DOMAIN_NAME_OF].map(([rest, domain]) => [domain, rest]));
const DOMAIN_NAMES = new RegExp(`\\b(${[...REST_NAME_OF.keys()].join("|")})\\b`, "g");

/**
 * A request object with its documented field names mapped to the domain's
 * (also inside the `nested` objects it holds). A domain name sent to REST is
 * as unknown as any other undocumented field. Anything but a plain object is
 * left for the domain to refuse.
 */
export function toDomainFields(body: unknown, path = "(body)", nested: string[] = []): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  const undocumented = Object.keys(body).filter((key) => REST_NAME_OF.has(key));
  if (undocumented.length) {
    throw ValidationError.of([{ path, message: `Unrecognized key${undocumented.length > 1 ? "s" : ""}: ${undocumented.map((key) => `"${key}"`).join(", ")}` }]);
  }
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [
      DOMAIN_NAME_OF.get(key) ?? key,
      nested.includes(key) ? nestedInDomainFields(value, path === "(body)" ? key : `${path}.${key}`) : value,
    ]),
  );
}

/** A nested object, or each object of a nested array (`tasks[3]`). */
function nestedInDomainFields(value: unknown, path: string): unknown {
  return Array.isArray(value) ? value.map((item, index) => toDomainFields(item, `${path}[${index}]`)) : toDomainFields(value, path);
}

/** The same error with domain field names (in paths and messages) replaced by the documented ones. */
export function withRestFieldNames(error: AppError): AppError {
  const rename = (text: string) => text.replace(DOMAIN_NAMES, (name) => REST_NAME_OF.get(name)!);
  const details = error.details && { ...error.details };
  if (details && typeof details.path === "string") details.path = rename(details.path);
  if (details && Array.isArray(details.errors)) {
    details.errors = (details.errors as FieldProblem[]).map((problem) => ({ path: rename(problem.path), message: rename(problem.message) }));
  }
  return new AppError(error.code, rename(error.message), details);
}

/**
 * A domain input schema with the documented field names, for the OpenAPI
 * document: the same rules, only the keys renamed (nested objects too).
 */
export function withRestKeys(schema: z.ZodObject): z.ZodObject {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => {
      const inner = field instanceof z.ZodOptional ? field.unwrap() : field;
      const renamed = inner instanceof z.ZodObject ? withRestKeys(inner) : undefined;
      return [REST_NAME_OF.get(key) ?? key, renamed ? (field instanceof z.ZodOptional ? renamed.optional() : renamed) : field];
    }),
  );
  const object = z.object(shape);
  return schema._zod.def.catchall?._zod.def.type === "never" ? object.strict() : object;
}
