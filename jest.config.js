// Jest over the TypeScript sources with SWC (legacy decorators + metadata for Nest and MikroORM).
// NestJS 12 and MikroORM 7 are ES modules: Jest requires them with --experimental-vm-modules
// (set by scripts/test.sh).
/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/deploy', '<rootDir>/tools', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@gm/platform/(run|config)$': '<rootDir>/libs/platform/src/$1',
    '^@gm/platform/row-worker$': '<rootDir>/libs/platform/src/import/row-worker.ts',
    '^@gm/persistence/copy-format$': '<rootDir>/libs/persistence/src/copy-format.ts',
    '^@gm/district-generator$': '<rootDir>/tools/district-generator/src/index.ts',
    '^@gm/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/test/global-setup.js',
  testTimeout: 60_000,
  slowTestThreshold: 20,
};
