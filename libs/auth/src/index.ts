export * from './token-verifier';
export * from './auth.decorators';
export * from './auth.guard';
export * from './auth.module';
export * from './dev-issuer/dev-issuer';
export * from './dev-issuer/demo-users';
