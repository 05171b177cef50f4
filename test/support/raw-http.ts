import net from 'node:net';

export interface RawAnswer {
  /** 0 when the connection closed without an answer. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether the server closed the connection (within `closeWithinMs` of its answer). */
  closed: boolean;
  /** From the first byte sent to the close (or to the answer, if the connection stayed open). */
  elapsedMs: number;
}

export interface RawOptions {
  /** Sent one at a time, every `trickleEveryMs`, after `bytes`: a slow client. */
  trickle?: string;
  trickleEveryMs?: number;
  /** How long to wait for the close once the answer is complete. */
  closeWithinMs?: number;
  /** Gives up (and fails the caller's expectations) after this long. */
  timeoutMs?: number;
}

/**
 * Sends bytes as they are, which no HTTP client will (broken request lines, bad escapes, a body trickled a byte at a
 * time), and reads the first answer back.
 */
export function rawExchange(port: number, bytes: string | Buffer, options: RawOptions = {}): Promise<RawAnswer> {
  const { trickle, trickleEveryMs = 200, closeWithinMs = 2000, timeoutMs = 30_000 } = options;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    let received = Buffer.alloc(0);
    let answer: RawAnswer | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    const trickler = trickle
      ? setInterval(() => {
          if (socket.writable) socket.write(trickle);
        }, trickleEveryMs)
      : undefined;
    const giveUp = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);

    function finish(error?: Error): void {
      clearInterval(trickler);
      clearTimeout(giveUp);
      clearTimeout(closeTimer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer ?? { status: 0, headers: {}, body: received.toString('latin1'), closed: true, elapsedMs: Date.now() - started });
    }

    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      answer ??= parse(received, started);
      if (answer && !closeTimer) closeTimer = setTimeout(() => finish(), closeWithinMs);
    });
    socket.on('close', () => {
      if (answer) answer = { ...answer, closed: true, elapsedMs: Date.now() - started };
      finish();
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

/** The first complete response in `bytes` (by Content-Length), or undefined while it is still arriving. */
function parse(bytes: Buffer, started: number): RawAnswer | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const length = Number(headers['content-length'] ?? 0);
  if (bytes.length < end + 4 + length) return undefined;
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: bytes.subarray(end + 4, end + 4 + length).toString('utf8'),
    closed: false,
    elapsedMs: Date.now() - started,
  };
}
