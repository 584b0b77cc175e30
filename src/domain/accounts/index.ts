// The accounts wing: customers (registration, profile, tier) and the
// credentials every caller authenticates with.
export { getProfile, quotaOf, registerCustomer, registrationSchema, setCustomerTier, type Profile, type Quota, type Registration, type TierChange } from "./customers.js";
export { createApiKey, listApiKeys, newKeySchema, revokeApiKey, type CreatedApiKey } from "./api-keys.js";
export {
  authenticateBearer,
  followRevocations,
  forgetCachedKeys,
  generateAnnotatorToken,
  refusal,
  SESSION_COOKIE,
  sessionCookieOf,
  stillAuthenticates,
} from "./credentials.js";
export { acceptanceSchema, acceptInvitation, describeCaller, type Caller, changeMemberRole, invitationSchema, inviteMember, listMembers, removeMember, roleChangeSchema, type Invitation } from "./members.js";
export { signIn, signInSchema, signOut, type SignedIn } from "./sessions.js";
export { assertAllowed, forbidden, GRANTS, isAllowed, PERMISSIONS, permissionsOf, type Permission } from "./roles.js";
