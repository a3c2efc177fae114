export * from './csv-reader';
export * from './csv-import';
export * from './row-workers';
export * from './row-worker';
