export class TokenPairDto {
  /**
   * A signed JWT (`typ: at+jwt`) to send as `Authorization: Bearer …`.
   * @example "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIzZjFjOGYwZS02ZjVlLTRhMzktOWE1NS0wZjZhMmMxYjlkMTEifQ.c2lnbmF0dXJl"
   */
  accessToken!: string;
  /** Opaque and single use: spend it at POST /auth/refresh for the next pair. @example "9b1f4c2e-6a0d-4f3e-8c1b-2d7e5a9f0c13.Qm9vb3N0cmFwLXJlZnJlc2gtdG9rZW4" */
  refreshToken!: string;
  /** @example "Bearer" */
  tokenType!: 'Bearer';
  /** Seconds until the access token expires. @example 900 */
  expiresIn!: number;
  /** Seconds until the refresh token expires. @example 604800 */
  refreshExpiresIn!: number;
}
