import { StandardSchemaValidationPipe, type ArgumentMetadata, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DomainError, toFieldErrors } from '@gm/contracts';
import { NamespacedNatsServer, natsConnectionOptions } from '@gm/messaging';
import { ServiceMetrics, type JsonLogger } from '@gm/telemetry';
import type { ServiceConfig } from './config/service-config';
import { ErrorFilter } from './errors/error.filter';
import { registerHttpTracing } from './http/http-tracing';
import { registerBodyParsers } from './http/body-parsers';
import { registerHttpEdges } from './http/edges';
import { registerHttpMetrics } from './http/http-metrics';

export interface ServiceAppOptions {
  readonly config: ServiceConfig;
  readonly logger: JsonLogger;
  readonly module: DynamicModule;
  /** One line for the OpenAPI document, Chinese first. */
  readonly description: string;
  /**
   * Content types whose request body reaches the handler as a raw stream (bulk uploads such as
   * `text/csv`); the handler enforces its own size limit.
   */
  readonly streamedContentTypes?: readonly string[];
}

/**
 * Builds a service as a NestJS hybrid application: Fastify HTTP plus the NATS microservice
 * (request/reply under the tier's namespace), one error filter for both transports, standard-
 * schema (zod) validation, OpenAPI at /docs, HTTP and RPC tracing (Fastify hooks; NATS processing hooks).
 */
export async function createServiceApp(opts: ServiceAppOptions): Promise<NestFastifyApplication> {
  const { config, logger } = opts;
  const adapter = new FastifyAdapter({ bodyLimit: config.http.bodyLimitBytes, logger: false, trustProxy: true });
  registerHttpTracing(adapter.getInstance(), config.service, logger);
  registerBodyParsers(adapter, config.http.bodyLimitBytes);
  for (const type of opts.streamedContentTypes ?? []) {
    adapter.getInstance().addContentTypeParser(type, (_req, payload, done) => done(null, payload));
  }

  const app = await NestFactory.create<NestFastifyApplication>(opts.module, adapter, { logger, abortOnError: false, bufferLogs: false });
  await registerHttpEdges(app, config);
  registerHttpMetrics(app.getHttpAdapter().getInstance(), app.get(ServiceMetrics));
  app.useGlobalFilters(new ErrorFilter(logger));
  app.useGlobalPipes(new FieldNamingValidationPipe({ exceptionFactory: (issues) => DomainError.validation(toFieldErrors(issues)) }));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`${config.service}`)
      .setDescription(opts.description)
      .setVersion(config.version)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Keycloak access token (realm roles, org_unit claim)' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });

  app.connectMicroservice(
    {
      strategy: new NamespacedNatsServer(
        config.namespace,
        {
          ...natsConnectionOptions(config.nats.servers),
          name: `${config.service}-rpc-server@${config.tier}`,
          queue: config.service,
          waitOnFirstConnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
        },
        config.service,
      ),
    },
    // Guards, pipes and the error filter serve both transports. No global interceptor on purpose:
    // it would wrap every HTTP route too (see NamespacedNatsServer).
    { inheritAppConfig: true },
  );
  app.enableShutdownHooks();
  return app;
}

/** The app's modules without HTTP or the NATS listener: for commands run from the shell. */
export async function createServiceContext(module: DynamicModule, logger: JsonLogger): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(module, { logger, abortOnError: false });
}

/**
 * Starts HTTP first, then the NATS listener in the background: with NATS down the service still
 * answers `/healthz` (and `/readyz` with 503) and subscribes as soon as NATS appears.
 */
export async function startServiceApp(app: NestFastifyApplication, config: ServiceConfig, logger: JsonLogger): Promise<string> {
  // reusePort goes through Fastify to Node's net.Server.listen (Node ≥ 22.12, Linux).
  await app.listen({ port: config.http.port, host: config.http.host, ...(config.http.reusePort && { reusePort: true }) });
  const url = await app.getUrl();
  logger.event('info', 'service.listening', { url: url.replace('[::1]', 'localhost') }, 'Bootstrap');
  void app
    .startAllMicroservices()
    .then(() => logger.event('info', 'service.rpc_listening', { namespace: config.namespace }, 'Bootstrap'))
    .catch((err: unknown) => logger.error(err instanceof Error ? err : new Error(String(err)), 'Bootstrap'));
  return url;
}

/** Names a route parameter in its validation errors (`action`, not `(body)`): the issues of a scalar have no path. */
class FieldNamingValidationPipe extends StandardSchemaValidationPipe {
  override async transform<T = unknown>(value: T, metadata: ArgumentMetadata): Promise<T> {
    try {
      return await super.transform(value, metadata);
    } catch (err) {
      const name = metadata.data;
      if (!(err instanceof DomainError) || err.code !== 'REQUEST.VALIDATION_FAILED' || metadata.type !== 'param' || !name) throw err;
      throw DomainError.validation(err.fieldErrors.map((f) => ({ ...f, field: f.field === '(body)' ? name : `${name}.${f.field}` })));
    }
  }
}
