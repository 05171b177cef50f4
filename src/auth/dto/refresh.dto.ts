import { IsString, MaxLength } from 'class-validator';

export class RefreshDto {
  /** The refresh token of the last token pair; it is spent by this call. @example "9b1f4c2e-6a0d-4f3e-8c1b-2d7e5a9f0c13.Qm9vb3N0cmFwLXJlZnJlc2gtdG9rZW4" */
  // Generous: anything that is not a refresh token must end as 401 REFRESH_TOKEN_INVALID, not as a 400.
  @IsString()
  @MaxLength(8192)
  refreshToken!: string;
}
