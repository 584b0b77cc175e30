// The export formats, by the name a client asks for.
import { coco } from "./coco.js";
import { conll } from "./conll.js";
import { csv } from "./csv.js";
import type { ExportFormat } from "./format.js";
import { jsonl } from "./jsonl.js";
import { groundTruthManifest } from "./manifest.js";
import { pascalVoc } from "./voc.js";
import { yolo } from "./yolo.js";

export const EXPORT_FORMATS = {
  jsonl,
  csv,
  coco,
  yolo,
  pascal_voc: pascalVoc,
  conll,
  ground_truth_manifest: groundTruthManifest,
} satisfies Record<string, ExportFormat>;
export type ExportFormatName = keyof typeof EXPORT_FORMATS;
export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as [ExportFormatName, ...ExportFormatName[]];
export type { ExportFormat, ExportJudgment, ExportTask, FormatContext } from "./format.js";
