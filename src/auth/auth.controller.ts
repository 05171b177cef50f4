import { Body, Controller, Get, Header, HttpCode, HttpStatus, Patch, Post, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/openapi';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { AuthUser, CurrentUser, Public } from '../common/auth';
import { AuthService } from './auth.service';
import { AuthenticatedUser } from './authenticated-user';
import { Client } from './decorators/client-info.decorator';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';
import { RateLimited } from './rate-limit/rate-limited.decorator';
import { ClientInfo } from '../sessions/session.types';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @RateLimited()
  @Post('register')
  @ApiOperation({ operationId: 'auth_register', summary: 'Create an account with the role "user"' })
  @ApiCreatedResponse({ type: UserResponseDto, description: 'The new user; log in next' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.MALFORMED_JSON, ErrorCode.USER_EXISTS)
  register(@Body() input: RegisterDto): Promise<UserResponseDto> {
    return this.auth.register(input);
  }

  @Public()
  @RateLimited(LocalAuthGuard)
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ operationId: 'auth_login', summary: 'Log in with username (or email) and password; opens a session' })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: TokenPairDto, description: 'A token pair; send `accessToken` as `Authorization: Bearer …`' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.INVALID_CREDENTIALS, ErrorCode.ACCOUNT_DISABLED, ErrorCode.EMAIL_NOT_VERIFIED)
  login(@Req() request: { user: AuthenticatedUser }, @Client() client: ClientInfo): Promise<TokenPairDto> {
    return this.auth.login(request.user, client);
  }

  @Public()
  @RateLimited()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ operationId: 'auth_refresh', summary: 'Spend a refresh token for a new token pair in the same session' })
  @ApiOkResponse({ type: TokenPairDto, description: 'The next token pair; the refresh token sent is spent' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.REFRESH_TOKEN_INVALID, ErrorCode.REFRESH_TOKEN_REUSED)
  refresh(@Body() body: RefreshDto, @Client() client: ClientInfo): Promise<TokenPairDto> {
    return this.auth.refresh(body.refreshToken, client);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'auth_logout', summary: 'End this session: its access and refresh tokens stop working' })
  @ApiNoContentResponse({ description: 'Logged out' })
  logout(@CurrentUser() caller: AuthUser): Promise<void> {
    return this.auth.logout(caller);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'auth_logout_all', summary: 'End every session of the caller' })
  @ApiNoContentResponse({ description: 'Logged out everywhere' })
  logoutAll(@CurrentUser() caller: AuthUser): Promise<void> {
    return this.auth.logoutEverywhere(caller);
  }

  @Get('me')
  @ApiOperation({ operationId: 'auth_me', summary: 'The caller' })
  @ApiOkResponse({ type: UserResponseDto, description: 'The user of the access token' })
  me(@CurrentUser() caller: AuthUser): Promise<UserResponseDto> {
    return this.auth.me(caller);
  }

  @Patch('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'auth_change_password', summary: 'Change the password; keeps this session and ends the others' })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.INVALID_CREDENTIALS)
  changePassword(@CurrentUser() caller: AuthUser, @Body() change: ChangePasswordDto): Promise<void> {
    return this.auth.changePassword(caller, change);
  }
}
