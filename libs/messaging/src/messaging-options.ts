import type { Namespace, ServiceName } from '@gm/contracts';

export interface MessagingOptions {
  /** NATS server URLs. */
  readonly servers: readonly string[];
  /** Subject namespace of this tier instance (see libs/contracts subjects.ts). */
  readonly namespace: Namespace;
  /** Org unit code of the tier instance. */
  readonly tier: string;
  readonly service: ServiceName;
  /** JetStream domain, when the server runs one (federated tiers). */
  readonly jetstreamDomain?: string | undefined;
  /** How long a JetStream publish or API call may take before it counts as failed. */
  readonly requestTimeoutMs?: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
