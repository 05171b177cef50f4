import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import { UserRole } from '../../users/user-role';

export const ROLES_KEY = 'gatehouse:roles';

/** Admits only callers holding one of these roles (403 FORBIDDEN otherwise). A method's roles override its class's. */
export const Roles = (...roles: UserRole[]) =>
  applyDecorators(SetMetadata(ROLES_KEY, roles), ApiForbiddenResponse({ description: `FORBIDDEN: needs role ${roles.join(' or ')}` }));
