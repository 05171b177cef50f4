import { ApiProperty } from '@nestjs/swagger';
import { UserRole } from '../user-role';
import { User } from '../user.entity';

export class UserResponseDto {
  /** @example "3f1c8f0e-6f5e-4a39-9a55-0f6a2c1b9d11" */
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** @example "ada_lovelace" */
  username!: string;
  /** @example "ada@example.com" */
  email!: string;
  /** @example false */
  emailVerified!: boolean;
  /** @example ["user"] */
  roles!: UserRole[];
  /** @example false */
  disabled!: boolean;
  /** ISO-8601, UTC @example "2025-01-15T09:30:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
  /** ISO-8601, UTC @example "2025-01-15T09:30:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

/** The one mapping from the entity to what clients see: no hash, no lock counters. */
export function toUserResponse(user: User): UserResponseDto {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    roles: [...user.roles],
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
