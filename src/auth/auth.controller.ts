import { Body, Controller, Get, Header, HttpCode, HttpStatus, Patch, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { AuthUser } from './auth-user';
import { AuthenticatedUser, AuthService } from './auth.service';
import { Client } from './decorators/client-info.decorator';
import { CurrentUser } from './decorators/current-user.decorator';
import { Public } from './decorators/public.decorator';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';
import { RateLimited } from './rate-limit/rate-limited.decorator';
import { ClientInfo } from './sessions/sessions.service';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @RateLimited()
  @Post('register')
  @ApiOperation({ operationId: 'auth_register', summary: 'Create an account with the role "user"' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: every problem is listed in `message`' })
  @ApiConflictResponse({ description: 'USER_EXISTS: the username or email is taken' })
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
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({ description: 'INVALID_CREDENTIALS: the same answer for an unknown user and a wrong password' })
  @ApiForbiddenResponse({ description: 'ACCOUNT_DISABLED (only after a correct password)' })
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
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({ description: 'REFRESH_TOKEN_INVALID, or REFRESH_TOKEN_REUSED (the session is ended)' })
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
  me(@CurrentUser() caller: AuthUser): Promise<UserResponseDto> {
    return this.auth.me(caller);
  }

  @Patch('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'auth_change_password', summary: 'Change the password; keeps this session and ends the others' })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the new password breaks a rule' })
  changePassword(@CurrentUser() caller: AuthUser, @Body() change: ChangePasswordDto): Promise<void> {
    return this.auth.changePassword(caller, change);
  }
}
