// The task types: what each one's label_spec, data and answers look like.
// Everything type-specific lives here; tasks.ts and the labeling engine ask.
import { z } from "zod";

export const TASK_TYPES = [
  "image_classification",
  "text_classification",
  "multi_label_classification",
  "bounding_box",
  "named_entity",
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

const question = z.string().trim().min(1, "must not be empty").max(1000, "must be at most 1000 characters");
const labelList = (what: string, min: number) =>
  z
    .array(z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"))
    .min(min, `needs at least ${min} ${what}`)
    .max(50, `allows at most 50 ${what}`)
    .refine((items) => new Set(items).size === items.length, `${what} must be unique`);

const classificationSpec = z.object({ question, options: labelList("options", 2) }).strict();
const multiLabelSpec = z
  .object({
    question,
    options: labelList("options", 2),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((s) => s.min === undefined || s.max === undefined || s.min <= s.max, { message: "min must be ≤ max", path: ["min"] })
  .refine((s) => s.max === undefined || s.max <= s.options.length, { message: "max must be ≤ the number of options", path: ["max"] })
  .refine((s) => s.min === undefined || s.min <= s.options.length, { message: "min must be ≤ the number of options", path: ["min"] });
const boxSpec = z.object({ question, classes: labelList("classes", 1) }).strict();
const entitySpec = z.object({ question, entity_types: labelList("entity_types", 1) }).strict();

export type ClassificationSpec = z.infer<typeof classificationSpec>;
export type MultiLabelSpec = z.infer<typeof multiLabelSpec>;
export type BoxSpec = z.infer<typeof boxSpec>;
export type EntitySpec = z.infer<typeof entitySpec>;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  label: string;
}
export interface Entity {
  start: number;
  end: number;
  label: string;
}
export type Answer = { label: string } | { labels: string[] } | { boxes: Box[] } | { entities: Entity[] };

/** What data a type labels: an image URL, or text given inline or by URL. */
type DataKind = "image" | "text";

interface TypeDefinition {
  data: DataKind;
  spec: z.ZodType;
  /** The schema of one answer (a judgment, a gold answer, the aggregated result) for this spec. */
  answer(spec: any, text?: string | null): z.ZodType<Answer>;
}

const coordinate = z.number().finite().min(0);
const MAX_BOXES = 100;
const MAX_ENTITIES = 500;

export const TASK_TYPE_DEFINITIONS: Record<TaskType, TypeDefinition> = {
  image_classification: {
    data: "image",
    spec: classificationSpec,
    answer: (spec: ClassificationSpec) => z.object({ label: z.enum(spec.options as [string, ...string[]]) }).strict(),
  },
  text_classification: {
    data: "text",
    spec: classificationSpec,
    answer: (spec: ClassificationSpec) => z.object({ label: z.enum(spec.options as [string, ...string[]]) }).strict(),
  },
  multi_label_classification: {
    data: "text",
    spec: multiLabelSpec,
    answer: (spec: MultiLabelSpec) =>
      z
        .object({
          labels: z
            .array(z.enum(spec.options as [string, ...string[]]))
            .min(spec.min ?? 0, `choose at least ${spec.min ?? 0}`)
            .max(spec.max ?? spec.options.length, `choose at most ${spec.max ?? spec.options.length}`)
            .refine((labels) => new Set(labels).size === labels.length, "labels must be unique"),
        })
        .strict(),
  },
  bounding_box: {
    data: "image",
    spec: boxSpec,
    answer: (spec: BoxSpec) =>
      z
        .object({
          boxes: z
            .array(
              z
                .object({
                  x: coordinate,
                  y: coordinate,
                  w: z.number().finite().positive(),
                  h: z.number().finite().positive(),
                  label: z.enum(spec.classes as [string, ...string[]]),
                })
                .strict(),
            )
            .max(MAX_BOXES, `at most ${MAX_BOXES} boxes`),
        })
        .strict(),
  },
  named_entity: {
    data: "text",
    spec: entitySpec,
    answer: (spec: EntitySpec, text?: string | null) =>
      z
        .object({
          entities: z
            .array(
              z
                .object({
                  start: z.number().int().min(0),
                  end: z.number().int().min(1),
                  label: z.enum(spec.entity_types as [string, ...string[]]),
                })
                .strict()
                .refine((e) => e.start < e.end, { message: "start must be < end", path: ["end"] })
                .refine((e) => text == null || e.end <= text.length, {
                  message: "end must be within the text",
                  path: ["end"],
                }),
            )
            .max(MAX_ENTITIES, `at most ${MAX_ENTITIES} entities`),
        })
        .strict(),
  },
};

