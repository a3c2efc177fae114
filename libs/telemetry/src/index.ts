export * from './telemetry';
export * from './trace-context';
export * from './logger';
export * from './health';
export * from './metrics';
