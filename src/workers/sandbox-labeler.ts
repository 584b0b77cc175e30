// The sandbox labeler: the simulated crowd works the "simulated" queue through
// the real engine (claims, judgments, aggregation, events), so sandbox tasks
// complete within seconds. Any number of processes can run it: claims use
// FOR UPDATE SKIP LOCKED.
import type { Deps } from "../deps.js";
import type { AnnotatorActor } from "../domain/actors.js";
import { claimNextAssignment, submitJudgment } from "../domain/labeling.js";
import { ensureSandboxCrowd } from "../domain/annotators.js";
import { sandboxCrowd, simulatedAnswer } from "../domain/sandbox-crowd.js";
import { startPollingWorker, type Worker } from "./worker.js";

export function startSandboxLabeler(deps: Deps, options: { seed: number; accuracies: number[]; idleMs?: number }): Worker {
  const worker = startPollingWorker({
    name: "sandbox-labeler",
    logger: deps.logger,
    idleMs: options.idleMs ?? 200,
    prepare: () => ensureSandboxCrowd(deps, sandboxCrowd(options.accuracies)),
    // One round: the members of the crowd work at once, each judging at most one
    // task (claims skip locked rows, so they spread over different tasks).
    tick: async (crowd) => {
      const worked = await Promise.all(
        crowd.map(async (member) => {
          if (worker.isStopped()) return false;
          const actor: AnnotatorActor = { kind: "annotator", annotatorId: member.id, workforce: "simulated" };
          try {
            const assignment = await claimNextAssignment(deps, actor);
            if (!assignment) return false;
            await submitJudgment(deps, actor, assignment.id, simulatedAnswer(options.seed, assignment.task, member));
            return true;
          } catch (error) {
            if (!worker.isStopped()) deps.logger.warn({ err: error, annotator: member.name }, "sandbox labeler: judgment failed");
            return false;
          }
        }),
      );
      return worked.some(Boolean);
    },
  });
  return worker;
}
