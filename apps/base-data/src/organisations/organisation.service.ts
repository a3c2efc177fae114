import { Injectable } from '@nestjs/common';
import { DomainError, ORGANISATION_CODE, type OrganisationPage, type OrganisationView } from '@gm/contracts';
import { isPlausiblePhone, isWithinScope, maskPhone, normalizePhone } from '@gm/domain';
import { PiiCipher } from '../privacy/pii-cipher';
import { checkGivenCode, GridLocator } from '../records/grid-locator';
import { Changes } from '../records/codes-and-pages';
import { RecordWrites, type Actor } from '../records/record-writes';
import { OrganisationRepository, type SealedPhone } from './organisation.repository';

export interface OrganisationFilter {
  readonly scope: string;
  readonly type?: string | undefined;
  readonly name?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface OrganisationInput {
  readonly code?: string | undefined;
  readonly name: string;
  readonly type: string;
  readonly address: string;
  readonly location: { readonly longitude: number; readonly latitude: number };
  readonly contactName?: string | null | undefined;
  readonly contactPhone?: string | null | undefined;
}

export type OrganisationChanges = Partial<Omit<OrganisationInput, 'code' | 'location'>>;

/**
 * Organisations (单位组织: companies, shops, schools …) of a unit. The contact's phone number is
 * kept like a resident's: in an encrypted box, as a keyed hash and as a mask (ADR 0004).
 */
@Injectable()
export class OrganisationService {
  constructor(
    private readonly organisations: OrganisationRepository,
    private readonly writes: RecordWrites,
    private readonly locator: GridLocator,
    private readonly cipher: PiiCipher,
  ) {}

  list(f: OrganisationFilter): Promise<OrganisationPage> {
    return this.organisations.page(f);
  }

  async get(scope: string, code: string): Promise<OrganisationView> {
    const row = await this.organisations.byCode(code);
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('ORGANISATION.NOT_FOUND', `no organisation ${code}`);
    return row;
  }

  async create(actor: Actor, input: OrganisationInput): Promise<OrganisationView> {
    const scope = actor.principal.orgUnit;
    const phone = this.phone(input.contactPhone);
    const gridCode = await this.locator.gridIn(scope, input.location);
    if (input.code) checkGivenCode(input.code, ORGANISATION_CODE, gridCode, '<grid code>-ORG<serial>, e.g. 350206001001-07-ORG012');
    const code = await this.writes.write(actor, async ({ client, record }) => {
      const code = await this.organisations.codeForNew(client, gridCode, input.code, (n) => `${gridCode}-ORG${String(n).padStart(3, '0')}`);
      await this.organisations.insert(client, {
        code,
        name: input.name,
        type: input.type,
        address: input.address,
        location: input.location,
        contactName: input.contactName ?? null,
        contactPhone: this.sealed(phone),
        gridCode,
      });
      await record('organisation', code, gridCode, 'added', 'add', {
        name: input.name,
        type: input.type,
        address: input.address,
        grid_code: gridCode,
        ...(input.contactName && { contact_name: 'set' }),
        ...(phone && { contact_phone: 'set' }),
      });
      return code;
    });
    return this.get(scope, code);
  }

  async update(actor: Actor, code: string, changes: OrganisationChanges): Promise<OrganisationView> {
    const scope = actor.principal.orgUnit;
    const phone = changes.contactPhone === undefined ? undefined : this.phone(changes.contactPhone);
    await this.writes.write(actor, async ({ client, record }) => {
      const row = await this.organisations.lockForUpdate(client, code);
      if (!row || !isWithinScope(scope, row.grid_code)) throw new DomainError('ORGANISATION.NOT_FOUND', `no organisation ${code}`);
      const changed = new Changes(code);
      for (const key of ['name', 'type', 'address'] as const) changed.compare(key, row[key], changes[key] ?? undefined);
      // Personal data: the history says that it changed, not to what.
      if (changes.contactName !== undefined && (changes.contactName ?? null) !== row.contact_name) changed.set('contact_name', changes.contactName ?? null, 'changed');
      if (phone !== undefined) {
        const [box, key, masked, hash] = this.sealed(phone);
        changed.set('contact_pii', box).set('contact_pii_key', key).set('contact_phone_masked', masked).set('contact_phone_hash', hash);
        changed.history['contact_phone'] = 'changed';
      }
      if (changed.empty) return;
      await this.organisations.update(client, changed);
      await record('organisation', code, row.grid_code, 'updated', 'update', changed.history);
    });
    return this.get(scope, code);
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('organisation', code);
  }

  /** A given phone number, checked and normalized; null clears it. */
  private phone(value: string | null | undefined): string | null {
    if (value === undefined || value === null || value === '') return null;
    if (!isPlausiblePhone(value)) throw DomainError.validation([{ field: 'contactPhone', message: 'not a mainland mobile or landline number' }]);
    return normalizePhone(value);
  }

  private sealed(phone: string | null): SealedPhone {
    return phone ? [this.cipher.seal({ phone }), this.cipher.currentKeyId, maskPhone(phone), this.cipher.hash('phone', phone)] : [null, null, null, null];
  }
}
