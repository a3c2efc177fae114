export * from './csv-reader';
export * from './csv-import';
