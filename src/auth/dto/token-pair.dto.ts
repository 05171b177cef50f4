export class TokenPairDto {
  /** A signed JWT (`typ: at+jwt`) to send as `Authorization: Bearer …`. */
  accessToken!: string;
  /** Opaque and single use: spend it at POST /auth/refresh for the next pair. */
  refreshToken!: string;
  /** @example "Bearer" */
  tokenType!: 'Bearer';
  /** Seconds until the access token expires. @example 900 */
  expiresIn!: number;
  /** Seconds until the refresh token expires. @example 604800 */
  refreshExpiresIn!: number;
}
