/** What an admin account is created from: ADMIN_* at start, or `npm run cli -- create-admin`. */
export interface AdminAccount {
  username: string;
  email: string;
  password: string;
}
