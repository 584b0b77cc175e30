// The workforce a customer controls: work teams of its own annotators, invited by link.
export { inviteToWorkTeam, joinSchema, joinWorkTeam, type Joined } from "./team-invitations.js";
export {
  changeMemberStatus,
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
  type ChangedBy,
  type MemberStatus,
  type TeamMember,
} from "./work-teams.js";
