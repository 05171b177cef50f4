import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';

export const DEFAULT_PASSKEY_NAME = 'Passkey';

/** A passkey's name as its owner types it: trimmed, 1-64 characters, no control characters. */
export const PasskeyNameField = (required: boolean) =>
  applyDecorators(
    ApiProperty({ description: 'A name to tell passkeys apart, 1-64 characters', example: 'Laptop', required, maxLength: 64 }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)),
    IsString({ message: 'name must be 1-64 characters' }),
    Length(1, 64, { message: 'name must be 1-64 characters' }),
    // Control characters (NUL among them, which PostgreSQL text refuses) have no place in a name shown in a list.
    Matches(/^\P{Cc}*$/u, { message: 'name may not contain control characters' }),
  );
