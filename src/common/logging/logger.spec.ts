import { jest } from '@jest/globals';
import { Writable } from 'node:stream';
import { createRootLogger } from './logger';

/** Fastify's two steps: its own logger as a child of the root, then each request's as a child of that. */
function requestLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const fastifyLog = createRootLogger('info', destination).child({}, {});
  const pinoChild = jest.spyOn(Object.getPrototypeOf(fastifyLog), 'child');
  return { lines, pinoChild, request: fastifyLog.child({ requestId: 'req-1' }, {}) };
}

describe('request loggers', () => {
  it('make no pino child until they write a line', () => {
    const { pinoChild, request } = requestLogger();
    expect(request.level).toBe('info');
    expect(pinoChild).not.toHaveBeenCalled();
  });

  it('write with the request id and the service, making the pino child once', () => {
    const { lines, pinoChild, request } = requestLogger();
    request.info({ statusCode: 401 }, 'request completed');
    request.warn('again');
    expect(pinoChild).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, requestId: 'req-1', service: 'gatehouse', statusCode: 401, msg: 'request completed' }),
      expect.objectContaining({ level: 40, requestId: 'req-1', msg: 'again' }),
    ]);
  });

  it('redact credentials in what they write', () => {
    const { lines, request } = requestLogger();
    request.info({ password: 'hunter2', nested: { refreshToken: 'rt' } }, 'x');
    expect(lines[0]).toMatchObject({ password: '[redacted]', nested: { refreshToken: '[redacted]' } });
  });
});
