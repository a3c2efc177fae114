export * from './geometry.type';
export * from './database';
export * from './persistence.module';
export * from './bulk';
export * from './group-commit';
export * from './commit-hooks';
export * from './copy-format';
