import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { AuthUser, CurrentUser, RequireRecentAuth } from '../common/auth';
import { AppException, ErrorCode } from '../common/errors';
import { Client, ClientInfo } from '../common/http/client-info';
import { ApiErrors } from '../common/openapi';
import { PasskeyDto } from './dto/passkey.dto';
import { RegistrationVerifyDto } from './dto/registration-verify.dto';
import { RenamePasskeyDto } from './dto/rename-passkey.dto';
import { PasskeyRegistrationService } from './passkey-registration.service';

const uuid = new ParseUUIDPipe({ version: undefined, exceptionFactory: () => AppException.validation(['id must be a UUID']) });

/** The caller's own passkeys. */
@ApiTags('passkeys')
@Controller({ path: 'auth/passkeys', version: '1' })
export class PasskeysController {
  constructor(private readonly registrations: PasskeyRegistrationService) {}

  @Post('registration/options')
  @RequireRecentAuth()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'passkeys_registration_options',
    summary: "Options for navigator.credentials.create() (@simplewebauthn/browser's startRegistration)",
    description:
      'A discoverable credential (resident key required), ES256 or RS256, no attestation; the caller’s passkeys are excluded. The challenge lives 5 minutes.',
  })
  @ApiOkResponse({ description: 'PublicKeyCredentialCreationOptionsJSON', schema: { type: 'object', additionalProperties: true } })
  @ApiErrors(ErrorCode.PASSKEY_LIMIT_REACHED)
  registrationOptions(@CurrentUser() caller: AuthUser): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.registrations.options(caller);
  }

  @Post('registration/verify')
  @ApiOperation({ operationId: 'passkeys_registration_verify', summary: 'Store the passkey a registration created' })
  @ApiCreatedResponse({ type: PasskeyDto, description: 'The new passkey' })
  @ApiErrors(
    ErrorCode.VALIDATION_FAILED,
    { status: HttpStatus.BAD_REQUEST, code: ErrorCode.PASSKEY_INVALID },
    ErrorCode.PASSKEY_LIMIT_REACHED,
  )
  register(@CurrentUser() caller: AuthUser, @Body() input: RegistrationVerifyDto, @Client() client: ClientInfo): Promise<PasskeyDto> {
    return this.registrations.register(caller, input.response, input.name, client);
  }

  @Get()
  @ApiOperation({ operationId: 'passkeys_list', summary: "The caller's passkeys, oldest first" })
  @ApiOkResponse({ type: [PasskeyDto], description: 'Never a key or a counter' })
  list(@CurrentUser() caller: AuthUser): Promise<PasskeyDto[]> {
    return this.registrations.list(caller);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'passkeys_rename', summary: 'Rename one of the caller’s passkeys' })
  @ApiOkResponse({ type: PasskeyDto, description: 'Renamed' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.PASSKEY_NOT_FOUND)
  rename(@CurrentUser() caller: AuthUser, @Param('id', uuid) id: string, @Body() input: RenamePasskeyDto): Promise<PasskeyDto> {
    return this.registrations.rename(caller, id, input.name);
  }

  @Delete(':id')
  @RequireRecentAuth()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'passkeys_remove',
    summary: 'Remove one of the caller’s passkeys',
    description: "Removing the user's last second factor ends their other sessions.",
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.PASSKEY_NOT_FOUND)
  async remove(@CurrentUser() caller: AuthUser, @Param('id', uuid) id: string, @Client() client: ClientInfo): Promise<void> {
    await this.registrations.remove(caller, id, client);
  }
}
