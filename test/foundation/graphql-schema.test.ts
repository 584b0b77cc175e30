import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isSpecifiedScalarType, isUnionType, type GraphQLNamedType } from "graphql";
import { printSortedSchema, schema } from "../../src/graphql/schema.js";

/** Every public type, field, argument, input field and enum value without a description. */
function undocumented(): string[] {
  const missing: string[] = [];
  const types = Object.values(schema.getTypeMap()).filter(
    (type: GraphQLNamedType) => !type.name.startsWith("__") && !(isScalarType(type) && isSpecifiedScalarType(type)),
  );
  for (const type of types) {
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (!field.description) missing.push(`${type.name}.${field.name}`);
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    if (isUnionType(type) && !type.description) missing.push(type.name);
  }
  return missing;
}

describe("schema.graphql", () => {
  it("is up to date (run `npm run schema:print` after changing the schema)", () => {
    expect(readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8")).toBe(printSortedSchema());
  });

  it("describes every type, field, argument and enum value (GraphiQL's docs are the schema's)", () => {
    expect(undocumented()).toEqual([]);
  });

  it("has an enum, not a String, for every status", () => {
    const stringStatuses = Object.values(schema.getTypeMap())
      .filter((type) => (isObjectType(type) || isInterfaceType(type)) && !type.name.startsWith("__"))
      .flatMap((type) =>
        Object.values((type as { getFields(): Record<string, { name: string; type: { toString(): string } }> }).getFields())
          .filter((field) => /status$/i.test(field.name) && /^String!?$/.test(field.type.toString()))
          .map((field) => `${type.name}.${field.name}`),
      );
    expect(stringStatuses).toEqual([]);
  });
});
