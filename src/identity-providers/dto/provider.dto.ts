export class ProviderDto {
  /** What the routes take: `/oidc/<id>/start` @example "corp" */
  id!: string;
  /** For the button: "Sign in with …" @example "Corporate login" */
  name!: string;
}
