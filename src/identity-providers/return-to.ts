import { AppException, ErrorCode } from '../common/errors';

const MAX_LENGTH = 2048;

/**
 * Where a flow may end: APP_URL when unsaid; otherwise an http(s) URL (relative ones are read against APP_URL)
 * whose parsed origin is one of `allowedOrigins`. Origins are compared whole, never by prefix, so
 * `https://app.example.evil.com` or `https://app.example@evil.com` are not `https://app.example` (SECURITY.md).
 */
export function resolveReturnTo(returnTo: string | undefined, appUrl: string, allowedOrigins: readonly string[]): string {
  if (returnTo === undefined || returnTo === '') return appUrl;
  if (returnTo.length > MAX_LENGTH) throw new AppException(ErrorCode.RETURN_URL_NOT_ALLOWED);
  let url: URL;
  try {
    url = new URL(returnTo, appUrl);
  } catch {
    throw new AppException(ErrorCode.RETURN_URL_NOT_ALLOWED);
  }
  const web = url.protocol === 'https:' || url.protocol === 'http:';
  if (!web || url.username || url.password || !allowedOrigins.includes(url.origin)) {
    throw new AppException(ErrorCode.RETURN_URL_NOT_ALLOWED);
  }
  return url.toString();
}

/** `returnTo` with the flow's outcome in its query (replacing any parameter of that name it already had). */
export function withOutcome(returnTo: string, outcome: Record<string, string>): string {
  const url = new URL(returnTo);
  for (const [name, value] of Object.entries(outcome)) url.searchParams.set(name, value);
  return url.toString();
}
