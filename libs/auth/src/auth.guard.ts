import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NatsContext } from '@nestjs/microservices';
import { DomainError, Headers, type Role } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { TokenVerifier } from './token-verifier';
import { attachPrincipal, carrierOf, IS_PUBLIC, QUERY_TOKEN, REQUIRED_ROLES, SCOPE_SOURCE, type ScopeSource } from './auth.decorators';

interface HttpRequestLike {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  params?: Record<string, unknown>;
}

interface HandlerRules {
  readonly isPublic: boolean;
  readonly roles: Role[] | undefined;
  readonly scopeSource: ScopeSource | undefined;
}

/**
 * Global guard for every HTTP route and every NATS request handler: verifies the bearer token
 * (HTTP `Authorization` header, or the `authorization` NATS header forwarded by the caller),
 * checks the route's roles, and scopes the request to an org unit inside the caller's subtree.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  private readonly rules = new WeakMap<object, WeakMap<object, HandlerRules>>();

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const rules = this.rulesOf(ctx);
    if (rules.isPublic) return true;

    const token = this.tokenOf(ctx);
    if (!token) throw new DomainError('AUTH.UNAUTHENTICATED', 'missing bearer token');
    const principal = await this.verifier.verify(token, this.acceptedAt(ctx));

    const roles = rules.roles;
    if (roles && roles.length > 0 && !roles.some((r) => principal.roles.includes(r))) {
      throw new DomainError('AUTH.FORBIDDEN', `needs one of the roles: ${roles.join(', ')}`);
    }

    let scope = principal.orgUnit;
    const source = rules.scopeSource;
    if (source && ctx.getType() === 'http') {
      const req = ctx.switchToHttp().getRequest<HttpRequestLike>();
      const raw = req[source.in]?.[source.name];
      if (raw !== undefined && raw !== '') {
        if (typeof raw !== 'string' || !OrgUnitCode.isValid(raw)) {
          throw DomainError.validation([{ field: source.name, message: 'expected an org unit code such as 350206001001' }]);
        }
        const requested = OrgUnitCode.parse(raw);
        if (!OrgUnitCode.parse(principal.orgUnit).contains(requested)) {
          throw new DomainError('AUTH.OUT_OF_SCOPE', `${requested.value} is outside your org unit ${principal.orgUnit}`);
        }
        scope = requested.value;
      }
    }
    attachPrincipal(carrierOf(ctx), principal, scope);
    return true;
  }

  /** A handler's decorators, read once: they are fixed when the class is defined. */
  private rulesOf(ctx: ExecutionContext): HandlerRules {
    const handler = ctx.getHandler();
    const cls = ctx.getClass();
    // By class, then handler: an inherited handler may sit in classes with different decorators.
    let byHandler = this.rules.get(cls);
    if (!byHandler) this.rules.set(cls, (byHandler = new WeakMap()));
    let rules = byHandler.get(handler);
    if (!rules) {
      const targets = [handler, cls];
      rules = {
        isPublic: this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true,
        roles: this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets),
        scopeSource: this.reflector.get<ScopeSource | undefined>(SCOPE_SOURCE, handler),
      };
      byHandler.set(handler, rules);
    }
    return rules;
  }

  /** For deferred deliveries over NATS only: the bounded time at which the caller's token was accepted. */
  private acceptedAt(ctx: ExecutionContext): Date | undefined {
    if (ctx.getType() !== 'rpc') return undefined;
    const raw = ctx.switchToRpc().getContext<NatsContext>().getHeaders()?.get(Headers.acceptedAt);
    if (!raw) return undefined;
    const at = new Date(raw);
    const age = Date.now() - at.getTime();
    if (Number.isNaN(at.getTime()) || age < 0 || age > MAX_DEFERRAL_MS) {
      throw new DomainError('AUTH.UNAUTHENTICATED', 'deferred delivery outside the accepted window');
    }
    return at;
  }

  private tokenOf(ctx: ExecutionContext): string | undefined {
    if (ctx.getType() === 'rpc') {
      const h = ctx.switchToRpc().getContext<NatsContext>().getHeaders();
      return bearer(h?.get(Headers.authorization));
    }
    const req = ctx.switchToHttp().getRequest<HttpRequestLike>();
    const header = req.headers['authorization'];
    const fromHeader = bearer(Array.isArray(header) ? header[0] : header);
    if (fromHeader) return fromHeader;
    if (this.reflector.get<boolean>(QUERY_TOKEN, ctx.getHandler())) {
      const q = req.query?.['access_token'];
      return typeof q === 'string' && q.length > 0 ? q : undefined;
    }
    return undefined;
  }
}

/** A report held by a gateway while NATS was down is delivered with its token for at most this long. */
export const MAX_DEFERRAL_MS = 72 * 60 * 60 * 1000;

function bearer(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return m?.[1];
}
