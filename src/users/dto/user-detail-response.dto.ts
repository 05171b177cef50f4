import { LinkedIdentityDto } from './linked-identity.dto';
import { UserResponseDto } from './user-response.dto';

/** One user as `GET /users/:id` shows them: the user and the identities they sign in with. */
export class UserDetailResponseDto extends UserResponseDto {
  identities!: LinkedIdentityDto[];
}
