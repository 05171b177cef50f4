import { ApiProperty } from '@nestjs/swagger';

/** An account at an identity provider that signs a user in (API.md "Sign in with an identity provider"). */
export class LinkedIdentityDto {
  /** @example "7b0c7a56-2f5e-4d8e-9a4f-1c2d3e4f5a6b" */
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** The provider's id in OIDC_PROVIDERS @example "corp" */
  provider!: string;
  /** The provider's address for the person when it was linked (display only) @example "ada@corp.example" */
  @ApiProperty({ type: String, nullable: true })
  email!: string | null;
  /** ISO-8601, UTC @example "2025-01-15T09:30:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
