// Typed documents for the tests (and any TypeScript client): `npm run codegen`.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["test/**/*.graphql"],
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    "test/generated/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: { scalars: { DateTime: "string", JSON: "unknown" }, enumsAsTypes: true, useTypeImports: true },
    },
  },
};

export default config;
