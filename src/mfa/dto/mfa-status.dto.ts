export class MfaStatusDto {
  /** TOTP is on (a pending enrolment is not). @example true */
  totp!: boolean;
  /** Recovery codes not used yet. @example 10 */
  recoveryCodesLeft!: number;
  /** Passkeys registered. @example 0 */
  passkeys!: number;
}
