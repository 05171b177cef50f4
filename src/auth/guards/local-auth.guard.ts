import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AppException } from '../../common/errors';
import { flattenValidationErrors } from '../../common/validation/validation.pipe';
import { LoginDto } from '../dto/login.dto';

/**
 * Guards run before pipes, so without this a number or an object in `password` would reach bcrypt (a 500).
 * The body is validated as LoginDto first and replaced by its normalized form, then passport-local checks it.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ body: unknown }>();
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
      throw AppException.validation(['body must be a JSON object with username and password']);
    }
    const body = plainToInstance(LoginDto, request.body);
    const errors = await validate(body, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
    if (errors.length > 0) throw AppException.validation(flattenValidationErrors(errors));
    request.body = body;
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<T>(error: unknown, user: T | false): T {
    if (error instanceof Error) throw error;
    if (error) throw new Error('Credential check failed');
    if (!user) throw AppException.validation(['username and password are required']);
    return user;
  }
}
