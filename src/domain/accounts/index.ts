// The accounts wing: customers (registration, profile, tier) and the
// credentials every caller authenticates with.
export { getProfile, quotaOf, registerCustomer, registrationSchema, setCustomerTier, type Profile, type Quota, type Registration, type TierChange } from "./customers.js";
export { createApiKey, listApiKeys, newKeySchema, revokeApiKey, type CreatedApiKey } from "./api-keys.js";
export { authenticateBearer, followRevocations, forgetCachedKeys, generateAnnotatorToken, refusal, stillAuthenticates } from "./credentials.js";
