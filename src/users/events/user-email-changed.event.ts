/** Emitted (EventEmitter2) once an admin's change of a user's address is saved; the address is unverified from then on. */
export const USER_EMAIL_CHANGED = 'users.email_changed';

export class UserEmailChangedEvent {
  constructor(readonly userId: string) {}
}
