/** What an auth adapter can do beyond the contract every adapter honours. */
export interface AuthCapabilities {
  /** Local accounts with passwords: `register`, `login`, `changePassword`, password resets. */
  readonly passwords: boolean;
  /** Reset and verification tokens reach the user (an email adapter or a delivery hook is configured). */
  readonly tokenDelivery: boolean;
  /** Sessions come with JWT access tokens and rotating refresh tokens (`verifyAccessToken`, `refresh`). */
  readonly accessTokens: boolean;
  /** At least one OpenID provider is configured (`beginOidcLogin`, `completeOidcLogin`). */
  readonly oidc: boolean;
}

export const authCapabilityNames = [
  'passwords',
  'tokenDelivery',
  'accessTokens',
  'oidc',
] as const satisfies readonly (keyof AuthCapabilities)[];
