export * from './config/service-config';
export * from './tokens';
export * from './errors/http-status';
export * from './errors/error.filter';
export * from './http/http-tracing';
export * from './health/health.controller';
export * from './platform.module';
export * from './bootstrap';
