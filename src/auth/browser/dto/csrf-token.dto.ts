export class CsrfTokenDto {
  /** The session's CSRF token, for `X-CSRF-Token`. @example "0d0bB3x0C6f1o7k2m4Qz9yQ4rS1uV8wX2yZ5aB7cD9e" */
  csrfToken!: string;
}
