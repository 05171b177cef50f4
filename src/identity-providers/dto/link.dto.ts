import { IsOptional, IsString, MaxLength } from 'class-validator';

export class LinkDto {
  /** Where the link flow ends, with `?linked=<provider>` or `?error=` (APP_URL's origin or CORS_ORIGINS; default APP_URL) @example "https://app.example.com/welcome" */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  returnTo?: string;
}
