import { IsString, MaxLength } from 'class-validator';

export class RefreshDto {
  /** The refresh token of the last token pair; it is spent by this call. */
  @IsString()
  @MaxLength(200)
  refreshToken!: string;
}
