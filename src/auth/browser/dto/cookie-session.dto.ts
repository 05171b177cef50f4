/** A token answer in cookie mode: the tokens went into HttpOnly cookies, none is in the body. */
export class CookieSessionDto {
  /** @example "Cookie" */
  tokenType!: 'Cookie';
  /** Seconds until the access cookie expires. @example 900 */
  expiresIn!: number;
  /** Seconds until the refresh cookie expires. @example 604800 */
  refreshExpiresIn!: number;
  /** Send as `X-CSRF-Token` on every cookie-authenticated POST, PATCH and DELETE; the same for the whole session. @example "0d0bB3x0C6f1o7k2m4Qz9yQ4rS1uV8wX2yZ5aB7cD9e" */
  csrfToken!: string;
}
