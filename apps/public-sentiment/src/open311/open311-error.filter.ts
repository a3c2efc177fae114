import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, errorCodeSchema, fieldErrorSchema } from '@gm/contracts';
import { JsonLogger } from '@gm/telemetry';
import { open311Errors, type Open311Format } from './open311-mapping';
import { open311Xml } from './open311-xml';

/** Where the Open311 routes live. */
export const OPEN311_PREFIX = '/open311/';

function sendErrors(reply: FastifyReply, format: Open311Format, error: DomainError): FastifyReply {
  const { status, errors } = open311Errors(error);
  return format === 'xml'
    ? reply.status(status).header('content-type', 'text/xml; charset=utf-8').send(open311Xml('errors', errors))
    : reply.status(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(errors));
}

/**
 * Failures of the Open311 routes in the spec's shape (an array of `{code, description}`, HTTP
 * 400/403/404), in XML when the route asked for `.xml`, else JSON. Replaces the platform's error
 * body on these routes only.
 */
@Catch()
export class Open311ErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const format = (http.getRequest<FastifyRequest>().params as Record<string, string | undefined> | undefined)?.['format'] === 'xml' ? 'xml' : 'json';
    const error = this.toDomainError(exception);
    if (!reply.sent) void sendErrors(reply, format, error);
  }

  private toDomainError(exception: unknown): DomainError {
    if (exception instanceof DomainError) return exception;
    const status = exception instanceof HttpException ? exception.getStatus() : undefined;
    if (status === 404) return new DomainError('REQUEST.ROUTE_NOT_FOUND');
    if (status !== undefined && status >= 400 && status < 500) return new DomainError('REQUEST.VALIDATION_FAILED', exception instanceof Error ? exception.message : undefined);
    this.logger.error(exception instanceof Error ? exception : new Error(String(exception)), 'Open311ErrorFilter');
    return new DomainError('INTERNAL');
  }
}

/**
 * Some failures happen before a route's handler, so its filter never sees them: an unknown path
 * or method, a body too large, of an unsupported type or malformed. The platform's filter answers
 * those; under /open311/ this hook turns its body into the spec's error array as well.
 */
export function registerOpen311ErrorFallback(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (req, reply, payload, done) => {
    if (!req.url.startsWith(OPEN311_PREFIX) || reply.statusCode < 400 || typeof payload !== 'string' || !payload.startsWith('{')) return done(null, payload);
    let body: { code?: unknown; detail?: unknown; errors?: unknown };
    try {
      body = JSON.parse(payload) as typeof body;
    } catch {
      return done(null, payload);
    }
    const code = errorCodeSchema.safeParse(body.code);
    if (!code.success) return done(null, payload);
    const fields = fieldErrorSchema.array().safeParse(body.errors ?? []);
    const error = new DomainError(code.data, typeof body.detail === 'string' ? body.detail : undefined, fields.success ? fields.data : []);
    const format: Open311Format = /\.xml(?:\?|$)/.test(req.url) ? 'xml' : 'json';
    const { status, errors } = open311Errors(error);
    void reply.status(status).header('content-type', format === 'xml' ? 'text/xml; charset=utf-8' : 'application/json; charset=utf-8');
    done(null, format === 'xml' ? open311Xml('errors', errors) : JSON.stringify(errors));
  });
}
