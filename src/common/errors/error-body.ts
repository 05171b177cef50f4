import { STATUS_CODES } from 'node:http';
import { ERROR_CATALOG } from './error-catalog';
import { ErrorCode } from './error-code';

/** The API.md error body. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string | string[];
  error: string;
}

export function errorBody(status: number, code: ErrorCode, message: string | string[]): ErrorBody {
  return { statusCode: status, code, message, error: STATUS_CODES[status] ?? 'Error' };
}

/** The body of one of our own codes: its status from the catalog, and the catalog's message unless told otherwise. */
export function catalogBody(code: ErrorCode, message: string | string[] = ERROR_CATALOG[code].message): ErrorBody {
  return errorBody(ERROR_CATALOG[code].status, code, message);
}
