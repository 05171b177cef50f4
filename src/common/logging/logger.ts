import { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import pino, { Bindings, ChildLoggerOptions, DestinationStream, Logger as PinoLogger } from 'pino';

/** Never written to a log: credentials in headers and in any logged object (we log no bodies, but make sure). */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-access-token"]',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  ...[
    'password',
    'currentPassword',
    'newPassword',
    'token',
    'accessToken',
    'refreshToken',
    'csrfToken',
    'mfaToken',
    // Not `code`: error lines carry the error code under it. No body is logged, TOTP codes included.
    'recoveryCode',
    'recoveryCodes',
    'secret',
    'otpauthUri',
    'loginCode',
  ].flatMap((key) => [key, `*.${key}`]),
];

/**
 * The logger Fastify is given, pino. Fastify makes its own logger as a child of it, and each request's `request.log` as
 * a child of that one, which carries the request id. Those request loggers are made lazily: pino makes a child only
 * when the request writes a line, because pino serializes and redacts a child's bindings as it makes one, which on the
 * hot path, where most requests write no line, cost a few per cent of a guarded request. This is done by the `child`
 * of the loggers, not by Fastify's `childLoggerFactory` option: Fastify checks every logger a factory returns for its
 * seven methods, on every request (measured: 1.4 % of a guarded request's instructions), and trusts its own default.
 */
export function createRootLogger(level: string, destination?: DestinationStream): PinoLogger {
  const root = pino({ level, base: { service: 'gatehouse' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
  return Object.create(root, {
    child: { value: (bindings: Bindings, options?: ChildLoggerOptions) => withLazyChildren(root.child(bindings, options)) },
  }) as PinoLogger;
}

/** The logger, whose own children are LazyChildLoggers. */
function withLazyChildren(logger: PinoLogger): PinoLogger {
  return Object.create(logger, {
    child: { value: (bindings: Bindings, options: ChildLoggerOptions = {}) => new LazyChildLogger(logger, bindings, options) },
  }) as PinoLogger;
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** A caller's X-Request-Id is kept when it is a plain token (no log injection); otherwise a new one is made. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** What pino takes for a line: an object or a message first, then a message or format arguments. */
type LineArgs = [obj: unknown, msg?: string, ...rest: unknown[]];

/** A request's logger: its pino child is made by the first line it writes. */
class LazyChildLogger implements FastifyBaseLogger {
  private made?: FastifyBaseLogger;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: LineArgs): void {
    this.logger.fatal(...args);
  }
  error(...args: LineArgs): void {
    this.logger.error(...args);
  }
  warn(...args: LineArgs): void {
    this.logger.warn(...args);
  }
  info(...args: LineArgs): void {
    this.logger.info(...args);
  }
  debug(...args: LineArgs): void {
    this.logger.debug(...args);
  }
  trace(...args: LineArgs): void {
    this.logger.trace(...args);
  }
  silent(...args: LineArgs): void {
    this.logger.silent(...args);
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's RoutesResolver names each controller with the global prefix, also the operational ones that are excluded
 * from it (`HealthController {/api/health}`, which does not exist); RouterExplorer's line per route says it right.
 */
const DROPPED_CONTEXTS = new Set(['RoutesResolver']);

/**
 * Nest's Logger, written as pino JSON. Lines about a request are written through that request's own logger (Fastify's
 * `request.log`, which carries its id): the exception filter, the access log and the audit events do so. There is no
 * AsyncLocalStorage here on purpose: measured on Node 20, it hooked every promise and cost a guarded request a fifth
 * of its throughput (Node 24 dropped those hooks; not measured again since). An object message becomes fields.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: FastifyBaseLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    const logger = this.root;
    if (!isEnabled(logger, level)) return;
    // Nest passes the context name last, and for errors a stack before it.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    if (context && DROPPED_CONTEXTS.has(context)) return;
    const stack = level === 'error' && rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (typeof message === 'object' && message !== null && !(message instanceof Error)) {
      logger[level]({ context, ...message }, (message as { msg?: string }).msg ?? context ?? '');
    } else {
      logger[level]({ context, ...(stack && { stack }) }, message instanceof Error ? (message.stack ?? message.message) : String(message));
    }
  }
}

const LEVEL_VALUES: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

function isEnabled(logger: FastifyBaseLogger, level: Level): boolean {
  return logger.level !== 'silent' && LEVEL_VALUES[level] >= (LEVEL_VALUES[logger.level as Level] ?? 30);
}
