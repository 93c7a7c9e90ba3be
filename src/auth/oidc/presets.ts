/**
 * Auth-rule presets: what a rule for a well-known identity provider looks like, so an admin gives
 * the issuer and audience and the rest is filled in. Every default can be overridden in the rule.
 * Each preset checks its issuer's shape, to catch the usual mistakes (a missing trailing slash for
 * Auth0, Okta's org authorization server, a v1 Entra ID issuer) with a message that says what to use.
 *
 * Per-provider pages with copy-paste rules: docs/credentials/providers/<preset>.md.
 */
import type { AuthRuleTokenType } from '../credential-records.js';

export const PRESET_IDS = ['clerk', 'auth0', 'supabase', 'firebase', 'keycloak', 'okta', 'entra-id', 'cognito'] as const;

export type PresetId = (typeof PRESET_IDS)[number];

export interface AuthRuleDefaults {
  algorithms: readonly string[];
  tokenType: AuthRuleTokenType;
  userIdClaim: string;
  workspaceTemplate: string | null;
  scopesClaim: string | null;
}

export interface AuthRulePreset {
  id: PresetId;
  /** The provider's name, for messages. */
  name: string;
  /** What the issuer looks like, e.g. `https://<tenant>.us.auth0.com/`. */
  issuerExample: string;
  issuerPattern: RegExp;
  /** Where the keys are, from the issuer: a JWKS URL or a discovery URL. */
  keys(issuer: string): { jwksUri: string } | { discoveryUrl: string };
  defaults: AuthRuleDefaults;
  /** What the audience is, for messages and docs. */
  audienceHint: string;
  /** A problem with the issuer or audience beyond the pattern: [field, message], or undefined. */
  check?(input: { issuer: string; audience: string }): [field: string, message: string] | undefined;
}

const stripSlash = (issuer: string) => issuer.replace(/\/+$/, '');
const discovery = (issuer: string) => ({ discoveryUrl: `${stripSlash(issuer)}/.well-known/openid-configuration` });
const jwksAt = (issuer: string) => ({ jwksUri: `${stripSlash(issuer)}/.well-known/jwks.json` });

const base: AuthRuleDefaults = { algorithms: ['RS256'], tokenType: 'access', userIdClaim: 'sub', workspaceTemplate: null, scopesClaim: null };

/** Every preset, by id. */
export const PRESETS: Readonly<Record<PresetId, AuthRulePreset>> = Object.freeze({
  clerk: {
    id: 'clerk',
    name: 'Clerk',
    issuerExample: 'https://your-app.clerk.accounts.dev (or https://clerk.your-domain.com)',
    issuerPattern: /^https:\/\/[a-z0-9.-]+$/,
    keys: jwksAt,
    // Clerk session tokens and JWT-template tokens are neither RFC 9068 access tokens nor OIDC ID tokens.
    defaults: { ...base, tokenType: 'any' },
    audienceHint: 'the "aud" of your Clerk JWT template, e.g. "assistant-ui"',
  },
  auth0: {
    id: 'auth0',
    name: 'Auth0',
    issuerExample: 'https://your-tenant.us.auth0.com/ (with the trailing slash)',
    issuerPattern: /^https:\/\/[a-z0-9.-]+\/$/,
    keys: jwksAt,
    defaults: base,
    audienceHint: 'your Auth0 API\'s Identifier, e.g. "https://api.your-app.com"',
  },
  supabase: {
    id: 'supabase',
    name: 'Supabase',
    issuerExample: 'https://<project-ref>.supabase.co/auth/v1',
    issuerPattern: /^https:\/\/[a-z0-9.-]+\/auth\/v1$/,
    keys: jwksAt,
    // Supabase's asymmetric JWT signing keys are ES256 (the default) or RS256. Legacy HS256 secrets
    // cannot be used: migrate the project to JWT signing keys.
    defaults: { ...base, algorithms: ['ES256', 'RS256'] },
    audienceHint: '"authenticated" (the role-based aud of Supabase access tokens)',
  },
  firebase: {
    id: 'firebase',
    name: 'Firebase Authentication',
    issuerExample: 'https://securetoken.google.com/<firebase-project-id>',
    issuerPattern: /^https:\/\/securetoken\.google\.com\/[a-z0-9-]+$/,
    keys: () => ({ jwksUri: 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com' }),
    // Firebase clients hold ID tokens (getIdToken()); there is no Firebase access token.
    defaults: { ...base, tokenType: 'id' },
    audienceHint: 'your Firebase project id (the last part of the issuer)',
    check({ issuer, audience }) {
      const projectId = issuer.slice(issuer.lastIndexOf('/') + 1);
      return audience === projectId ? undefined : ['audience', `Firebase ID tokens have your project id as audience: "${projectId}"`];
    },
  },
  keycloak: {
    id: 'keycloak',
    name: 'Keycloak',
    issuerExample: 'https://keycloak.example.com/realms/<realm> (or …/auth/realms/<realm> before Keycloak 17)',
    issuerPattern: /^https?:\/\/[^/\s]+(\/auth)?\/realms\/[^/\s]+$/,
    keys: discovery,
    defaults: base,
    audienceHint: 'your client id (add an "Audience" mapper to the client scope), or "account"',
  },
  okta: {
    id: 'okta',
    name: 'Okta',
    issuerExample: 'https://your-org.okta.com/oauth2/default (a custom authorization server)',
    issuerPattern: /^https:\/\/[a-z0-9.-]+\/oauth2\/[A-Za-z0-9]+$/,
    keys: discovery,
    // In Okta access tokens `sub` is the login (an email, which can change); `uid` is the user's id.
    defaults: { ...base, userIdClaim: 'uid' },
    audienceHint: 'the authorization server\'s audience, e.g. "api://default"',
  },
  'entra-id': {
    id: 'entra-id',
    name: 'Microsoft Entra ID',
    issuerExample: 'https://login.microsoftonline.com/<tenant-id>/v2.0',
    issuerPattern: /^https:\/\/login\.microsoftonline\.com\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/v2\.0$/,
    keys: discovery,
    // `sub` is pairwise (different for each app); `oid` is the user's object id in the tenant.
    defaults: { ...base, userIdClaim: 'oid' },
    audienceHint: 'your API app registration\'s Application (client) ID (v2.0 access tokens)',
  },
  cognito: {
    id: 'cognito',
    name: 'Amazon Cognito',
    issuerExample: 'https://cognito-idp.<region>.amazonaws.com/<user-pool-id>',
    issuerPattern: /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9-]+_[A-Za-z0-9]+$/,
    keys: jwksAt,
    // Cognito access tokens carry `client_id`, not `aud`; ID tokens carry `aud` = the app client id.
    defaults: { ...base, tokenType: 'id' },
    audienceHint: 'your app client id',
  },
});

/** Extra hints when an issuer misses a preset's pattern in a well-known way. */
const ISSUER_HINTS: Partial<Record<PresetId, (issuer: string) => string | undefined>> = {
  auth0: (issuer) => (/^https:\/\/[a-z0-9.-]+$/.test(issuer) ? 'Auth0 issuers end with a slash' : undefined),
  okta: (issuer) => (/^https:\/\/[a-z0-9.-]+\/?$/.test(issuer) ? 'tokens of Okta\'s org authorization server cannot be verified outside Okta; use a custom authorization server' : undefined),
  'entra-id': (issuer) =>
    issuer.startsWith('https://sts.windows.net/')
      ? 'this is a v1.0 issuer; set "accessTokenAcceptedVersion": 2 in the API\'s app manifest'
      : /\/(common|organizations|consumers)\//.test(issuer)
        ? 'multi-tenant issuers are not supported; name your tenant id'
        : undefined,
};

/**
 * Why `issuer` does not fit the preset, or undefined.
 *
 * @example
 * presetIssuerProblem(PRESETS.auth0, 'https://t.us.auth0.com') // 'Auth0 issuers end with a slash; ...'
 */
export function presetIssuerProblem(preset: AuthRulePreset, issuer: string): string | undefined {
  if (preset.issuerPattern.test(issuer)) return undefined;
  const hint = ISSUER_HINTS[preset.id]?.(issuer);
  return `${hint !== undefined ? `${hint}; ` : ''}${preset.name} issuers look like ${preset.issuerExample}`;
}

/** True when `value` names a preset. */
export function isPresetId(value: unknown): value is PresetId {
  return typeof value === 'string' && (PRESET_IDS as readonly string[]).includes(value);
}
