import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { KeyObject, randomUUID } from 'node:crypto';
import { authConfig } from '../../config';
import { UserRole } from '../../users/user-role';
import { ACCESS_TOKEN_TYPE } from './access-token-header';
import { SIGNING_KEY } from './signing-key.provider';

export interface AccessTokenSubject {
  id: string;
  username: string;
  roles: UserRole[];
}

export interface AccessTokenClaims {
  sub: string;
  username: string;
  roles: UserRole[];
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string | string[];
}

/** Signs access tokens. What verifies them is JwtStrategy, with the options this service hands it. */
@Injectable()
export class TokensService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(SIGNING_KEY) private readonly key: KeyObject,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  get accessTokenTtlSeconds(): number {
    return this.config.accessTokenTtlSeconds;
  }

  signAccessToken(user: AccessTokenSubject, sessionId: string): string {
    return this.jwt.sign(
      { username: user.username, roles: user.roles, sid: sessionId },
      {
        privateKey: this.key,
        algorithm: this.config.jwtAlgorithm as 'HS256',
        header: { alg: this.config.jwtAlgorithm, typ: ACCESS_TOKEN_TYPE },
        subject: user.id,
        jwtid: randomUUID(),
        issuer: this.config.issuer,
        audience: this.config.audience,
        expiresIn: this.config.accessTokenTtlSeconds,
      },
    );
  }
}
