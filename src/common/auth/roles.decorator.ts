import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import { ErrorCode } from '../errors';
import { ApiErrors } from '../openapi';
import { UserRole } from '../../users/user-role';

export const ROLES_KEY = 'gatehouse:roles';

/** Admits only callers holding one of these roles (403 FORBIDDEN otherwise). A method's roles override its class's. */
export const Roles = (...roles: UserRole[]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    // In this order: a response without a type, merged after ApiErrors, would drop the error schema.
    ApiForbiddenResponse({ description: `Needs the role ${roles.map((role) => `\`${role}\``).join(' or ')}.` }),
    ApiErrors(ErrorCode.FORBIDDEN, ...(roles.includes(UserRole.Admin) ? [ErrorCode.MFA_ENROLLMENT_REQUIRED] : [])),
  );
