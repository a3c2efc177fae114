import { activeTraceIds } from './trace-context';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, verbose: 5 };
// Nest calls `log` for what other loggers call info.
type NestLevel = 'log' | LogLevel;

export interface LogSink {
  write(line: string): void;
}

/**
 * One JSON object per line on stdout, carrying the active trace and span ids. Implements Nest's
 * LoggerService shape without depending on Nest. Callers pass messages and metadata that hold no
 * personal data; the logger never sees request bodies.
 */
export class JsonLogger {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
    private readonly sink: LogSink = process.stdout,
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.emit('fatal', message, rest);
  }

  /** Whether events of this level are written (to skip building a hot path's fields for nothing). */
  enabled(level: LogLevel): boolean {
    return RANK[level] <= RANK[this.level];
  }

  /** Structured event: `logger.event('info', 'outbox.published', { count: 3 })`. */
  event(level: LogLevel, msg: string, fields: Record<string, unknown> = {}, context?: string): void {
    if (RANK[level] > RANK[this.level]) return;
    this.write(level, msg, context, fields);
  }

  private emit(nestLevel: NestLevel, message: unknown, rest: unknown[]): void {
    const level: LogLevel = nestLevel === 'log' ? 'info' : nestLevel;
    if (RANK[level] > RANK[this.level]) return;
    // Nest passes the context as the last string argument, and for errors a stack before it.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const fields: Record<string, unknown> = {};
    let msg: string;
    if (message instanceof Error) {
      msg = message.message;
      fields['err'] = { name: message.name, stack: message.stack };
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(fields, message);
      msg = typeof fields['msg'] === 'string' ? (fields['msg'] as string) : '';
      delete fields['msg'];
    } else {
      msg = String(message);
    }
    const stack = args.find((a) => typeof a === 'string' && a.includes('\n    at '));
    if (stack) fields['stack'] = stack;
    this.write(level, msg, context, fields);
  }

  private write(level: LogLevel, msg: string, context: string | undefined, fields: Record<string, unknown>): void {
    const ids = activeTraceIds();
    const entry = {
      time: new Date().toISOString(),
      level,
      service: this.service,
      ...(context !== undefined && { context }),
      msg,
      ...(ids && { trace_id: ids.traceId, span_id: ids.spanId }),
      ...fields,
    };
    this.sink.write(`${JSON.stringify(entry)}\n`);
  }
}
