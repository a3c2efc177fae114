export * from './csv-reader';
export * from './csv-import';
export * from './row-workers';
