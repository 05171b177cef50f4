import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AppException } from '../../common/errors';
import { createValidationPipe } from '../../common/validation/validation.pipe';
import { LoginDto } from '../dto/login.dto';

/**
 * Guards run before pipes, so without this a number or an object in `password` would reach bcrypt (a 500).
 * The body is validated as LoginDto first, by the same pipe as every other body, and replaced by its normalized
 * form; then passport-local checks it.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  private readonly validation = createValidationPipe();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ body: unknown }>();
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
      throw AppException.validation(['body must be a JSON object with username and password']);
    }
    request.body = await this.validation.transform(request.body, { type: 'body', metatype: LoginDto });
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<T>(error: unknown, user: T | false): T {
    if (error instanceof Error) throw error;
    if (error) throw new Error('Credential check failed');
    if (!user) throw AppException.validation(['username and password are required']);
    return user;
  }
}
