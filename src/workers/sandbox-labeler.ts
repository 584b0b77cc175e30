// The sandbox labeler: the simulated crowd works the "simulated" queue through
// the real engine (claims, judgments, aggregation, events), so sandbox tasks
// complete within seconds. Any number of processes can run it: claims use
// FOR UPDATE SKIP LOCKED.
import type { Deps } from "../deps.js";
import type { AnnotatorActor } from "../domain/actors.js";
import { claimNextAssignment, submitJudgment } from "../domain/labeling.js";
import { ensureSandboxCrowd } from "../domain/annotators.js";
import { sandboxCrowd, simulatedAnswer } from "../domain/sandbox-crowd.js";
import type { Worker } from "./worker.js";

export function startSandboxLabeler(deps: Deps, options: { seed: number; accuracies: number[]; idleMs?: number }): Worker {
  const idleMs = options.idleMs ?? 200;
  let stopped = false;
  let wake: (() => void) | undefined;

  const loop = (async () => {
    const crowd = await ensureSandboxCrowd(deps, sandboxCrowd(options.accuracies));
    while (!stopped) {
      let worked = false;
      for (const member of crowd) {
        if (stopped) break;
        const actor: AnnotatorActor = { kind: "annotator", annotatorId: member.id, workforce: "simulated" };
        try {
          const assignment = await claimNextAssignment(deps, actor);
          if (!assignment) continue;
          worked = true;
          await submitJudgment(deps, actor, assignment.id, simulatedAnswer(options.seed, assignment.task, member));
        } catch (error) {
          if (stopped) break;
          deps.logger.warn({ err: error, annotator: member.name }, "sandbox labeler: judgment failed");
        }
      }
      if (!worked && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, idleMs);
        });
      }
    }
  })().catch((error) => deps.logger.error({ err: error }, "sandbox labeler stopped"));

  return {
    name: "sandbox-labeler",
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
