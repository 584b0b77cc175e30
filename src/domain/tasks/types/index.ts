// The task types. Adding one: a file that exports its TaskTypeDefinition, and
// a line in REGISTRY.
import { boundingBox } from "./bounding-box.js";
import type { TaskTypeDefinition } from "./definition.js";
import { imageClassification } from "./image-classification.js";
import { multiLabelClassification } from "./multi-label-classification.js";
import { keypoints } from "./keypoints.js";
import { namedEntity } from "./named-entity.js";
import { pairwisePreference } from "./pairwise-preference.js";
import { polygon } from "./polygon.js";
import { rating } from "./rating.js";
import { textClassification } from "./text-classification.js";
import { textResponse } from "./text-response.js";

const REGISTRY = [
  imageClassification,
  textClassification,
  multiLabelClassification,
  boundingBox,
  namedEntity,
  rating,
  textResponse,
  pairwisePreference,
  polygon,
  keypoints,
] as const;

export type TaskType = (typeof REGISTRY)[number]["name"];
export const TASK_TYPES = REGISTRY.map((definition) => definition.name) as [TaskType, ...TaskType[]];
export const TASK_TYPE_DEFINITIONS = Object.fromEntries(REGISTRY.map((definition) => [definition.name, definition])) as Record<
  TaskType,
  TaskTypeDefinition
>;

/** The definition of a stored task's type (stored types were checked on the way in). */
export function taskTypeOf(task: { type: string }): TaskTypeDefinition {
  return TASK_TYPE_DEFINITIONS[task.type as TaskType];
}

export { aggregateEach, type AggregationContext, type TaskTypeDefinition, type Vote } from "./definition.js";
export type { Box } from "./bounding-box.js";
export type { Entity } from "./named-entity.js";
export { aggregateBoxes, iou, IOU_THRESHOLD } from "./bounding-box.js";
export { aggregateEntities } from "./named-entity.js";
export { aggregateKeypoints, oks } from "./keypoints.js";
export { aggregatePreferences, bradleyTerry, responseKey, type Choice, simulatedStrength, type Comparison, type PreferencePair, type RankedItem } from "./pairwise-preference.js";
export { aggregatePolygons, maskIou } from "./polygon.js";
export { aggregateMultiLabel } from "./multi-label-classification.js";
export { aggregateRatings } from "./rating.js";
export { aggregateTextResponses, normalizedDistance } from "./text-response.js";
export * from "./voting.js";
