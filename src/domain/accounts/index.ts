// The accounts wing: customers (registration, profile, tier) and the
// credentials every caller authenticates with.
export { getProfile, quotaOf, registerCustomer, setCustomerTier, type Profile, type Quota, type Registration, type TierChange } from "./customers.js";
export { createApiKey, listApiKeys, revokeApiKey, type CreatedApiKey } from "./api-keys.js";
export { authenticateBearer, forgetCachedKeys, generateAnnotatorToken, refusal } from "./credentials.js";
