import { parse as parseQueryString } from 'node:querystring';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { DomainError } from '@gm/contracts';
import { assertJsonDepth, unstorableFields } from './json-body';

/**
 * The service's parsers for JSON and form bodies, and a check of path and query parameters, in one
 * place for every endpoint (issue 17): a body nested deeper than a sane limit is refused before it
 * is parsed (a recursive walk of it would overflow the stack), and text PostgreSQL cannot store (NUL,
 * lone surrogates) is refused naming the field, so that no such input reaches a handler and turns
 * into a 500. Parsing itself is Fastify's (prototype poisoning refused).
 */
export function registerBodyParsers(adapter: FastifyAdapter, bodyLimit: number): void {
  const fastify = adapter.getInstance();
  const json = fastify.getDefaultJsonParser('error', 'error');
  adapter.useBodyParser('application/json', false, { bodyLimit }, (req, body, done) => {
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
    try {
      assertJsonDepth(text);
    } catch (err) {
      return done(err as DomainError, undefined);
    }
    json(req, text, (err, value) => {
      if (err) return done(err, undefined);
      const problems = unstorableFields(value);
      done(problems.length > 0 ? DomainError.validation(problems) : null, value);
    });
  });
  adapter.useBodyParser('application/x-www-form-urlencoded', false, { bodyLimit }, (_req, body, done) => {
    const value = { ...parseQueryString(Buffer.isBuffer(body) ? body.toString('utf8') : String(body)) };
    const problems = unstorableFields(value);
    done(problems.length > 0 ? DomainError.validation(problems) : null, value);
  });
  fastify.addHook('preValidation', (req, _reply, done) => {
    const problems = [...unstorableFields(req.params ?? {}), ...unstorableFields(req.query ?? {})];
    done(problems.length > 0 ? DomainError.validation(problems) : undefined);
  });
}
