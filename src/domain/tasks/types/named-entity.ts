// named_entity: spans of a text, each with one of the spec's entity types;
// aggregated by a vote per span.
import { z } from "zod";
import { labelList, pick, question, type TaskTypeDefinition } from "./definition.js";
import { mean, roundTo, type Aggregate } from "./voting.js";

const spec = z.object({ question, entity_types: labelList("entity_types", 1) }).strict();
export type EntitySpec = z.infer<typeof spec>;

export interface Entity {
  start: number;
  end: number;
  label: string;
}
export type Entities = { entities: Entity[] };

const MAX_ENTITIES = 500;
const spanKey = (e: Entity) => `${e.start}:${e.end}:${e.label}`;

export const namedEntity: TaskTypeDefinition<"named_entity", EntitySpec, Entities> = {
  name: "named_entity",
  data: "text",
  spec,
  answer: (spec, text) =>
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
              .refine((e) => text == null || e.end <= text.length, { message: "end must be within the text", path: ["end"] }),
          )
          .max(MAX_ENTITIES, `at most ${MAX_ENTITIES} entities`),
      })
      .strict(),
  aggregate: (votes) => aggregateEntities(votes.map((vote) => vote.answer)),
  sameAnswer: (a, b) => {
    const x = new Set(a.entities.map(spanKey));
    return x.size === b.entities.length && b.entities.every((e) => x.has(spanKey(e)));
  },
  simulatedTruth: (spec, text, random) => {
    // Capitalised words are the entities; each gets a type from the spec.
    const entities: Entity[] = [];
    for (const match of (text ?? "").matchAll(/\b[A-Z][a-z]+\b/g)) {
      entities.push({ start: match.index!, end: match.index! + match[0].length, label: pick(spec.entity_types, random) });
    }
    return { entities };
  },
  simulatedAnswer: (truth, _spec, correct) => ({ entities: correct ? truth.entities : truth.entities.slice(1) }),
};

/** Spans (start, end, label) marked by more than half the judgments; confidence is agreement per span. */
export function aggregateEntities(judgments: Entities[]): Aggregate<Entities> {
  const n = Math.max(1, judgments.length);
  const counts = new Map<string, { entity: Entity; count: number }>();
  for (const judgment of judgments) {
    const seen = new Set<string>();
    for (const entity of judgment.entities) {
      const key = spanKey(entity);
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = counts.get(key) ?? { entity: { start: entity.start, end: entity.end, label: entity.label }, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
  }
  const entries = [...counts.values()];
  const entities = entries.filter((e) => e.count / n > 0.5).map((e) => e.entity).sort((a, b) => a.start - b.start || a.end - b.end);
  const confidence = entries.length ? mean(entries.map((e) => Math.max(e.count / n, 1 - e.count / n))) : 1;
  return { answer: { entities }, confidence: roundTo(confidence, 6), method: "span_vote" };
}
