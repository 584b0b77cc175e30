// An annotator's skill on a project, readable by the project's customer: how
// many of its tasks it judged, how often it agreed with the result of those
// that completed, its accuracy on the project's gold, and where it stands
// (qualification, suspension or slowdown).
import type { Deps } from "../../deps.js";
import { assertAllowed } from "../accounts/index.js";
import type { CustomerActor } from "../shared/index.js";
import { taskTypeOf } from "../tasks/index.js";
import { projectOf } from "./qualification.js";

export interface ProjectSkill {
  annotatorId: string;
  name: string;
  judgments: number;
  /** Agreed with the result, of its judgments on completed tasks; null before any completed. */
  agreement: number | null;
  goldAnswered: number;
  goldAccuracy: number | null;
  lastJudgmentAt: Date;
  qualification: string | null;
  suspendedBy: string | null;
  suspendedUntil: Date | null;
}

/** GET /v1/projects/{id}/annotators: everyone who judged the project's tasks, first judged first. */
export async function projectSkills(deps: Pick<Deps, "prisma">, actor: CustomerActor, projectId: string): Promise<ProjectSkill[]> {
  assertAllowed(actor, "read");
  const project = await projectOf(deps, actor, projectId);
  const rows = await deps.prisma.$queryRaw<(Omit<ProjectSkill, "agreement" | "goldAccuracy"> & { scored: number; agreed: number })[]>`
    SELECT j.annotator_id AS "annotatorId", a.name, count(*)::int AS judgments, count(j.agreed)::int AS scored,
      count(*) FILTER (WHERE j.agreed)::int AS agreed, count(*) FILTER (WHERE t.gold_answer IS NOT NULL)::int AS "goldAnswered",
      max(j.created_at) AS "lastJudgmentAt", q.status AS qualification, s.changed_by AS "suspendedBy", s.until AS "suspendedUntil"
    FROM judgments j JOIN tasks t ON t.id = j.task_id JOIN annotators a ON a.id = j.annotator_id
    LEFT JOIN project_qualifications q ON q.project_id = t.project_id AND q.annotator_id = j.annotator_id
    LEFT JOIN project_suspensions s ON s.project_id = t.project_id AND s.annotator_id = j.annotator_id AND (s.until IS NULL OR s.until > now())
    WHERE t.project_id = ${project.id}
    GROUP BY j.annotator_id, a.name, q.status, s.changed_by, s.until
    ORDER BY min(j.created_at), j.annotator_id`;
  // Gold answers are few (gold tasks × their replication): compared by each type's own equality.
  const gold = await deps.prisma.$queryRaw<{ annotatorId: string; answer: unknown; gold: unknown; type: string }[]>`
    SELECT j.annotator_id AS "annotatorId", j.answer, t.gold_answer AS gold, t.type
    FROM judgments j JOIN tasks t ON t.id = j.task_id WHERE t.project_id = ${project.id} AND t.gold_answer IS NOT NULL`;
  const goldRight = new Map<string, number>();
  for (const row of gold) if (taskTypeOf(row).sameAnswer(row.answer, row.gold)) goldRight.set(row.annotatorId, (goldRight.get(row.annotatorId) ?? 0) + 1);
  return rows.map(({ scored, agreed, ...row }) => ({
    ...row,
    agreement: scored ? agreed / scored : null,
    goldAccuracy: row.goldAnswered ? (goldRight.get(row.annotatorId) ?? 0) / row.goldAnswered : null,
  }));
}
