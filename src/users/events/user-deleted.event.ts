/** Emitted (EventEmitter2) once a user is deleted, for features that keep rows of their own about the user. */
export const USER_DELETED = 'users.deleted';

export class UserDeletedEvent {
  constructor(readonly userId: string) {}
}
