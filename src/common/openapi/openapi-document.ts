import { getSchemaPath, OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-code';
import { DEFAULT_CODES, errorDescription, errorExample, errorHeaders } from './error-examples';
import { ErrorResponseDto } from './error-response.dto';

/**
 * Marks an operation that needs no token. @nestjs/swagger drops an empty `security` list from an operation, so a
 * route cannot say "no security" by metadata alone: it carries this extension and `finishDocument` turns it into
 * `security: []` (no lock in Swagger UI, no auth in generated clients).
 */
export const PUBLIC_OPERATION_EXTENSION = 'x-gatehouse-public';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
/** Methods whose cookie-authenticated calls need the CSRF proof (API.md "Browser sessions"). */
const UNSAFE = new Set(['put', 'post', 'delete', 'patch']);

/**
 * The document-wide rules the global guard implies, applied once to the generated document: public operations get
 * `security: []`; every other operation needs the bearer token, so it lists the token failures (401 TOKEN_*) with
 * their examples, merged into whatever 401 the route documents itself (e.g. INVALID_CREDENTIALS), and those that
 * change something list 403 CSRF_FAILED (the guard's refusal of a cookie-authenticated call without its CSRF proof).
 */
export function finishDocument(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (!operation) continue;
      if (operation[PUBLIC_OPERATION_EXTENSION]) {
        delete operation[PUBLIC_OPERATION_EXTENSION];
        operation.security = [];
      } else {
        operation.responses['401'] = withFailures(operation.responses['401'] as ResponseObject | undefined, 401, DEFAULT_CODES[401]!);
        if (UNSAFE.has(method)) {
          operation.responses['403'] = withFailures(operation.responses['403'] as ResponseObject | undefined, 403, [ErrorCode.CSRF_FAILED]);
        }
      }
    }
  }
  return document;
}

function withFailures(existing: ResponseObject | undefined, status: number, codes: ErrorCode[]): ResponseObject {
  const json = existing?.content?.['application/json'];
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
