// The exports wing: subsets of a customer's tasks in the formats people train
// on, built in the background (exports.ts) by one writer per format (formats/).
export {
  buildExport,
  claimExport,
  createExport,
  downloadExport,
  exportFilterSchema,
  exportInputSchema,
  getExport,
  hasExportToBuild,
  listExports,
  streamExport,
  type Download,
  type ExportFilter,
} from "./exports.js";
export { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, type ExportFormatName } from "./formats/index.js";
