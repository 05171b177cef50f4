import { ApiProperty } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-code';

/** The body of every error answer (API.md): Nest's shape plus a stable machine `code`. */
export class ErrorResponseDto {
  /** The HTTP status, repeated. */
  @ApiProperty({ type: 'integer', example: 401 })
  statusCode!: number;

  /** Stable: clients branch on it. */
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.TOKEN_MISSING })
  code!: ErrorCode;

  /** What went wrong; for VALIDATION_FAILED the list of problems, one per field. */
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'An access token is required',
  })
  message!: string | string[];

  /** The reason phrase of the status. */
  @ApiProperty({ example: 'Unauthorized' })
  error!: string;
}
