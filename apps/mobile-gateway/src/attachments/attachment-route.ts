import { OrgUnitCode } from '@gm/domain';

/** Where a read of an attachment held by `holder` goes next from this tier. */
export type AttachmentRoute =
  | { readonly kind: 'here' }
  | { readonly kind: 'down'; readonly child: string }
  | { readonly kind: 'up'; readonly parent: string }
  | { readonly kind: 'refused'; readonly why: string };

/** Who asked: a reader at this tier (HTTP), this tier's parent, or one of its children. */
export type AttachmentAsker = 'reader' | 'parent' | 'child';

/**
 * The next hop of an attachment read, from the org codes alone (a unit's code prefixes every code
 * below it). A read goes down towards a descendant or up towards an ancestor, one link at a time,
 * and never turns: what a parent asks for must lie below this tier, what a child asks for must lie
 * above it. So no tier reaches into a branch beside its own path.
 */
export function routeAttachmentRead(here: string, holder: string, asker: AttachmentAsker, federated: boolean): AttachmentRoute {
  if (holder === here) return { kind: 'here' };
  if (!federated) return { kind: 'refused', why: `tier ${here} runs alone: it holds only its own attachments` };
  const self = OrgUnitCode.parse(here);
  const target = OrgUnitCode.parse(holder);
  if (self.contains(target)) {
    if (asker === 'child') return { kind: 'refused', why: `a child of ${here} may read only attachments of the tiers above it` };
    const child = target.path.find((unit) => unit.parent?.equals(self));
    if (!child) throw new Error(`unreachable: no child of ${here} on the path to ${holder}`);
    return { kind: 'down', child: child.value };
  }
  if (target.contains(self)) {
    if (asker === 'parent') return { kind: 'refused', why: `the parent of ${here} may read only attachments of the tiers below it` };
    const parent = self.parent;
    if (!parent) throw new Error(`unreachable: ${here} has an ancestor ${holder} but no parent`);
    return { kind: 'up', parent: parent.value };
  }
  return { kind: 'refused', why: `tier ${holder} is neither above nor below tier ${here}` };
}
