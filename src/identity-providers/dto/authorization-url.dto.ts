export class AuthorizationUrlDto {
  /** Send the browser here; the flow ends at `returnTo` @example "https://idp.example.com/authorize?client_id=gatehouse&…" */
  authorizationUrl!: string;
}
