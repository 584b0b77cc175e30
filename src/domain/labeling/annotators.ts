// Annotators: workforce accounts (not customers), created by an operator,
// each with a token shown once. Simulated annotators are the sandbox crowd.
import { z } from "zod";
import type { Deps } from "../../deps.js";
import type { Annotator } from "../../generated/prisma/client.js";
import { generateAnnotatorToken } from "../accounts/index.js";
import { newId, parseInput, type AdminActor, type AnnotatorActor } from "../shared/index.js";
import { workerQuality } from "../tasks/index.js";
import type { SimulatedAnnotator } from "./sandbox-crowd.js";

const createSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  })
  .strict();

/** createAnnotator (admin mutation and CLI). The token is returned this once. */
export async function createAnnotator(deps: Pick<Deps, "prisma">, _admin: AdminActor, input: unknown): Promise<{ annotator: Annotator; token: string }> {
  const { name } = parseInput(createSchema, input);
  const token = generateAnnotatorToken();
  const annotator = await deps.prisma.annotator.create({
    data: { id: newId("ann"), name, kind: "human", tokenHash: token.hash, tokenPrefix: token.prefix },
  });
  return { annotator, token: token.key };
}

export interface Reliability {
  goldTotal: number;
  goldCorrect: number;
  goldAccuracy: number | null;
  judgments: number;
  agreement: number | null;
  /** Smoothed quality used to weigh this annotator's votes. */
  quality: number;
}

export function reliabilityOf(annotator: Pick<Annotator, "goldTotal" | "goldCorrect" | "judgmentCount" | "agreedCount">): Reliability {
  return {
    goldTotal: annotator.goldTotal,
    goldCorrect: annotator.goldCorrect,
    goldAccuracy: annotator.goldTotal ? annotator.goldCorrect / annotator.goldTotal : null,
    judgments: annotator.judgmentCount,
    agreement: annotator.judgmentCount ? annotator.agreedCount / annotator.judgmentCount : null,
    quality: workerQuality(annotator.goldCorrect, annotator.goldTotal),
  };
}

/** Operators see every annotator with their reliability. */
export function listAnnotators(deps: Pick<Deps, "prisma">, _admin: AdminActor): Promise<Annotator[]> {
  return deps.prisma.annotator.findMany({ orderBy: { id: "asc" } });
}

/** Creates (once, under fixed ids, safe for concurrent processes) the simulated annotators. */
export async function ensureSandboxCrowd(
  deps: Pick<Deps, "prisma">,
  crowd: SimulatedAnnotator[],
): Promise<(Annotator & SimulatedAnnotator)[]> {
  const members = [];
  for (const [index, member] of crowd.entries()) {
    const id = `ann_sandbox_${index + 1}`;
    const annotator = await deps.prisma.annotator.upsert({
      where: { id },
      update: { name: member.name, simulatedAccuracy: member.accuracy },
      // No usable token: the simulated crowd never signs in.
      create: { id, name: member.name, kind: "simulated", simulatedAccuracy: member.accuracy, tokenHash: `none:${id}`, tokenPrefix: "" },
    });
    members.push({ ...annotator, ...member });
  }
  return members;
}

export function getAnnotator(deps: Pick<Deps, "prisma">, actor: AnnotatorActor): Promise<Annotator> {
  return deps.prisma.annotator.findUniqueOrThrow({ where: { id: actor.annotatorId } });
}
