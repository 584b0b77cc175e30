// The workforce a customer controls: work teams of its own annotators, invited
// by link, and the quality rules that keep annotators off a project.
export { applyProjectRules, applySkipRule, liftSuspension, listSuspensions, qualityRulesSchema, suspendByHand, type QualityRules } from "./quality-rules.js";
export { projectSkills, type ProjectSkill } from "./skills.js";
export { isQualifying, listQualifications, qualificationSchema, type Qualification } from "./qualification.js";
export { inviteToWorkTeam, joinSchema, joinWorkTeam, type Joined } from "./team-invitations.js";
export {
  createWorkTeam,
  getWorkTeam,
  isTenantsTeam,
  listWorkTeams,
  MEMBER_STATUSES,
  memberReasonSchema,
  workTeamNameSchema,
  renameWorkTeam,
  setMemberStatus,
  teamMembers,
  type MemberStatus,
  type TeamMember,
} from "./work-teams.js";
