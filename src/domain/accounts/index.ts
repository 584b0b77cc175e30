// The accounts wing: customers (registration, profile, tier) and the
// credentials every caller authenticates with.
export { getProfile, registerCustomer, setCustomerTier, type Profile, type Registration } from "./customers.js";
export { authenticateBearer, forgetCachedKeys, generateAnnotatorToken, refusal } from "./credentials.js";
