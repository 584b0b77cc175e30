#!/usr/bin/env node
// The `refinery` command (package.json "bin"): runs the TypeScript CLI through tsx, as `npm start` runs the server.
import { register } from "tsx/esm/api";

register();
await import("./refinery.ts");
