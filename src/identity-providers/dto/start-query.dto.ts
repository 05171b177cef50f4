import { IsOptional, IsString, MaxLength } from 'class-validator';

export class StartQueryDto {
  /** Where the flow ends (APP_URL's origin or CORS_ORIGINS; default APP_URL) @example "https://app.example.com/welcome" */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  returnTo?: string;
}
