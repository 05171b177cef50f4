import { IsString, MaxLength } from 'class-validator';

export class RefreshDto {
  /** The refresh token of the last token pair; it is spent by this call. */
  // Generous: anything that is not a refresh token must end as 401 REFRESH_TOKEN_INVALID, not as a 400.
  @IsString()
  @MaxLength(8192)
  refreshToken!: string;
}
