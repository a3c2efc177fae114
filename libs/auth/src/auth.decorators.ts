import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { DomainError, type Principal, type Role } from '@gm/contracts';

export const IS_PUBLIC = 'gm:auth:public';
export const REQUIRED_ROLES = 'gm:auth:roles';
export const QUERY_TOKEN = 'gm:auth:query-token';
export const SCOPE_SOURCE = 'gm:auth:scope';

/** No token needed (health, docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The caller needs at least one of these realm roles. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLES, roles);

/**
 * Also accept the token as `?access_token=` (browsers' EventSource cannot set headers). Only for
 * streaming GET routes; the query string is never logged.
 */
export const AllowQueryToken = (): MethodDecorator => SetMetadata(QUERY_TOKEN, true);

export interface ScopeSource {
  readonly in: 'query' | 'params';
  readonly name: string;
}
/**
 * The org unit this request is about comes from this query or route parameter (default: the
 * caller's own unit). The guard rejects a unit outside the caller's subtree with 403.
 */
export const ScopedBy = (source: ScopeSource): MethodDecorator => SetMetadata(SCOPE_SOURCE, source);

const principals = new WeakMap<object, { principal: Principal; scope: string }>();

/** @internal used by the guard. */
export function attachPrincipal(carrier: object, principal: Principal, scope: string): void {
  principals.set(carrier, { principal, scope });
}

export function carrierOf(ctx: ExecutionContext): object {
  return ctx.getType() === 'rpc' ? (ctx.switchToRpc().getContext() as object) : (ctx.switchToHttp().getRequest() as object);
}

function lookup(ctx: ExecutionContext): { principal: Principal; scope: string } {
  const found = principals.get(carrierOf(ctx));
  if (!found) throw new DomainError('AUTH.UNAUTHENTICATED', 'no verified caller on this request');
  return found;
}

/** The verified caller. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => lookup(ctx).principal);

/** The org unit the request is scoped to (checked to lie in the caller's subtree). */
export const RequestScope = createParamDecorator((_: unknown, ctx: ExecutionContext): string => lookup(ctx).scope);

/** The raw `Authorization` header, to forward on NATS requests. */
export const BearerHeader = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
  return req.headers['authorization'];
});
