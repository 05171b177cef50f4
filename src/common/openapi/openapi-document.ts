import { ApiExtension, getSchemaPath, OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { ERROR_CATALOG } from '../errors/error-catalog';
import { ErrorCode } from '../errors/error-code';
import { DEFAULT_CODES, errorDescription, errorExample, errorHeaders } from './error-examples';
import { ErrorResponseDto } from './error-response.dto';

/**
 * Marks an operation that needs no token. @nestjs/swagger drops an empty `security` list from an operation, so a
 * route cannot say "no security" by metadata alone: it carries this extension and `finishDocument` turns it into
 * `security: []` (no lock in Swagger UI, no auth in generated clients).
 */
export const PUBLIC_OPERATION_EXTENSION = 'x-gatehouse-public';

/**
 * Marks an operation that never answers 503 DATABASE_UNAVAILABLE: it queries no database, or (readiness) reports an
 * outage as its own answer.
 */
const NO_DATABASE_ERRORS_EXTENSION = 'x-gatehouse-no-database-errors';
export const ApiNoDatabaseErrors = () => ApiExtension(NO_DATABASE_ERRORS_EXTENSION, true);

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
/** Methods whose cookie-authenticated calls need the CSRF proof (API.md "Browser sessions"). */
const UNSAFE = new Set(['put', 'post', 'delete', 'patch']);

/**
 * What every operation can answer before its route runs: the router's and Node's refusals (edge-errors.ts) and
 * the body parser's (json-body.parser.ts), which reads a body on every method but GET, HEAD and TRACE, whether or
 * not the route takes one (a lone surrogate anywhere in it is VALIDATION_FAILED).
 */
const ANY_OPERATION = [ErrorCode.BAD_REQUEST, ErrorCode.REQUEST_TIMEOUT, ErrorCode.HEADERS_TOO_LARGE];
const WITH_PATH_PARAMETERS = [ErrorCode.URI_TOO_LONG];
const BODY_METHODS = new Set(['put', 'post', 'delete', 'patch', 'options']);
const WITH_BODY = [ErrorCode.VALIDATION_FAILED, ErrorCode.MALFORMED_JSON, ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.UNSUPPORTED_MEDIA_TYPE];

/**
 * The document-wide rules, applied once to the generated document, so that it lists every failure an operation can
 * answer: public operations get `security: []`; every other operation needs the bearer token, so it lists the token
 * failures (401 TOKEN_*), and those that change something 403 CSRF_FAILED (the guard's refusal of a
 * cookie-authenticated call without its CSRF proof); every operation gets the HTTP layer's failures above, and 503
 * DATABASE_UNAVAILABLE unless it never queries the database. Each merges into what the route documents itself (e.g.
 * 401 INVALID_CREDENTIALS).
 */
export function finishDocument(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (!operation) continue;
      const codes = [...ANY_OPERATION];
      if (path.includes('{')) codes.push(...WITH_PATH_PARAMETERS);
      if (BODY_METHODS.has(method)) codes.push(...WITH_BODY);
      if (operation[PUBLIC_OPERATION_EXTENSION]) {
        delete operation[PUBLIC_OPERATION_EXTENSION];
        operation.security = [];
      } else {
        codes.push(...DEFAULT_CODES[401]!);
        if (UNSAFE.has(method)) codes.push(ErrorCode.CSRF_FAILED);
      }
      if (operation[NO_DATABASE_ERRORS_EXTENSION]) delete operation[NO_DATABASE_ERRORS_EXTENSION];
      else codes.push(ErrorCode.DATABASE_UNAVAILABLE);
      for (const [status, group] of byStatus(codes)) {
        operation.responses[status] = withFailures(operation.responses[status] as ResponseObject | undefined, status, group);
      }
    }
  }
  return document;
}

function byStatus(codes: ErrorCode[]): Map<number, ErrorCode[]> {
  const groups = new Map<number, ErrorCode[]>();
  for (const code of codes) groups.set(ERROR_CATALOG[code].status, [...(groups.get(ERROR_CATALOG[code].status) ?? []), code]);
  return groups;
}

/** The response for `status` with these codes added to the ones it already lists (each once). */
function withFailures(existing: ResponseObject | undefined, status: number, candidates: ErrorCode[]): ResponseObject {
  const json = existing?.content?.['application/json'];
  const codes = candidates.filter((code) => !json?.examples?.[code]);
  if (codes.length === 0) return existing!;
  return {
    ...existing,
    description: [existing?.description, errorDescription(codes)].filter(Boolean).join('\n'),
    headers: { ...existing?.headers, ...errorHeaders(status, codes) },
    content: {
      ...existing?.content,
      'application/json': {
        ...json,
        schema: json?.schema ?? { $ref: getSchemaPath(ErrorResponseDto) },
        examples: { ...json?.examples, ...Object.fromEntries(codes.map((code) => [code, errorExample(code)])) },
      },
    },
  };
}
