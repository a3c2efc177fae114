import createClient, { type Middleware } from 'openapi-fetch';
import i18n from 'i18next';
import { accessToken, renewOrSignIn } from '../auth/auth';
import type { paths as BaseData } from './generated/base-data';
import type { paths as CommandCentre } from './generated/command-centre';
import type { paths as Gis } from './generated/gis';
import type { paths as MobileGateway } from './generated/mobile-gateway';
import type { paths as PublicSentiment } from './generated/public-sentiment';
import type { paths as ServiceOffice } from './generated/service-office';
import type { paths as SystemAdmin } from './generated/system-admin';

/** The platform's error body (libs/platform error filter): code, message in the caller's language, fields. */
export interface ApiErrorBody {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
  readonly traceId?: string;
}

/** A refused or failed call, carrying the API's own message (shown to the user as it is). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
  ) {
    super(body?.message ?? `HTTP ${status}`);
  }
  get fieldErrors(): readonly { field: string; message: string }[] {
    return this.body?.errors ?? [];
  }
}

/** Every call carries the session's token and the console's language; a 401 renews the session once, or goes to the login page. */
const session: Middleware = {
  async onRequest({ request }) {
    const token = await accessToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    request.headers.set('accept-language', i18n.language === 'en' ? 'en' : 'zh-CN');
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401) await renewOrSignIn();
    return response;
  },
};

export function clientFor<P extends {}>(baseUrl: string) {
  const client = createClient<P>({ baseUrl });
  client.use(session);
  return client;
}

/** One typed client per service of the tier, from the committed OpenAPI documents. */
export const api = {
  cases: clientFor<PublicSentiment>('/svc/public-sentiment'),
  admin: clientFor<SystemAdmin>('/svc/system-admin'),
  gis: clientFor<Gis>('/svc/gis'),
  baseData: clientFor<BaseData>('/svc/base-data'),
  gateway: clientFor<MobileGateway>('/svc/mobile-gateway'),
  office: clientFor<ServiceOffice>('/svc/service-office'),
  hub: clientFor<CommandCentre>(''),
};

/** The data of an answer, or an ApiError with the API's message. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined) return data;
  if (response.ok) return undefined as T;
  throw new ApiError(response.status, (error ?? undefined) as ApiErrorBody | undefined);
}

/** Plain authorised fetch for what is not JSON (CSV downloads, uploads with progress). */
export async function authorisedFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = await accessToken();
  if (token) headers.set('authorization', `Bearer ${token}`);
  headers.set('accept-language', i18n.language === 'en' ? 'en' : 'zh-CN');
  return fetch(input, { ...init, headers });
}
