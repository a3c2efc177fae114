import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { throwError, type Observable } from 'rxjs';
import { DomainError, ERROR_MESSAGES, type ErrorBody, type ErrorCode, type RemoteError } from '@gm/contracts';
import { activeTraceIds, type JsonLogger } from '@gm/telemetry';
import { httpStatusOf } from './http-status';

/**
 * The one place where failures become transport answers. HTTP: a JSON body with a stable code,
 * a message in the caller's language (Chinese first), the English detail and the offending
 * fields. NATS: the DomainError as a RemoteError payload, which RpcClient turns back into a
 * DomainError on the calling side.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    const error = this.toDomainError(exception);
    if (host.getType() === 'rpc') {
      const payload: RemoteError = { code: error.code, message: error.message, fieldErrors: [...error.fieldErrors] };
      return throwError(() => payload);
    }
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const english = /^en\b/i.test(String(request.headers?.['accept-language'] ?? ''));
    const body = errorBodyOf(error, english);
    if (reply.sent) return;
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toDomainError(exception: unknown): DomainError {
    if (exception instanceof DomainError) return exception;
    const status = statusOf(exception);
    const code = codeFor(exception, status);
    if (code) return new DomainError(code, messageOf(exception) ?? ERROR_MESSAGES[code].en);
    this.logger.error(exception instanceof Error ? exception : new Error(String(exception)), 'ErrorFilter');
    return new DomainError('INTERNAL');
  }
}

/**
 * The HTTP answer body of a DomainError: its status and stable code, a message in the caller's
 * language naming the offending fields, the English detail. Also used for the items of a batch
 * that are answered one by one (mobile-gateway's sync).
 */
export function errorBodyOf(error: DomainError, english: boolean): ErrorBody {
  const status = httpStatusOf(error.code);
  const title = ERROR_MESSAGES[error.code][english ? 'en' : 'zh'];
  const fields = error.fieldErrors.map((f) => f.field);
  const trace = activeTraceIds();
  return {
    statusCode: status,
    code: error.code,
    message: fields.length > 0 ? `${title}: ${fields.join(', ')}` : title,
    detail: error.message,
    ...(error.fieldErrors.length > 0 && { errors: [...error.fieldErrors] }),
    ...(trace && { traceId: trace.traceId }),
  };
}

function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  if (typeof exception === 'object' && exception !== null && 'statusCode' in exception) {
    const s = (exception as { statusCode: unknown }).statusCode;
    return typeof s === 'number' ? s : undefined;
  }
  return undefined;
}

function codeFor(exception: unknown, status: number | undefined): ErrorCode | undefined {
  const fastifyCode = typeof exception === 'object' && exception !== null && 'code' in exception ? String((exception as { code: unknown }).code) : '';
  if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) return 'REQUEST.UNSUPPORTED_MEDIA_TYPE';
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return 'REQUEST.BODY_TOO_LARGE';
  if (exception instanceof SyntaxError || fastifyCode.startsWith('FST_ERR_CTP_') || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'REQUEST.MALFORMED_BODY';
  if (status === 404) return 'REQUEST.ROUTE_NOT_FOUND';
  if (status === 400) return 'REQUEST.MALFORMED_BODY';
  if (status === 401) return 'AUTH.UNAUTHENTICATED';
  if (status === 403) return 'AUTH.FORBIDDEN';
  return undefined;
}

function messageOf(exception: unknown): string | undefined {
  if (exception instanceof HttpException) {
    const r = exception.getResponse();
    if (typeof r === 'string') return r;
    if (typeof r === 'object' && r !== null && 'message' in r) {
      const m = (r as { message: unknown }).message;
      return Array.isArray(m) ? m.join('; ') : String(m);
    }
  }
  return exception instanceof Error ? exception.message : undefined;
}
