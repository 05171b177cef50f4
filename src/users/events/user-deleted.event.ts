/** Emitted (EventEmitter2, awaited) once a user is deleted: features drop what they keep for that user. */
export const USER_DELETED = 'users.deleted';

export class UserDeletedEvent {
  constructor(readonly userId: string) {}
}
