/** The `outcome` label of the login counter. */
export type LoginOutcome = 'success' | 'invalid_credentials' | 'locked' | 'disabled' | 'email_not_verified' | 'mfa_required';
