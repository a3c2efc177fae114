export * from './generate';
export * from './tiling';
export * from './random';
