export type OrgLevel = 'district' | 'street' | 'community' | 'grid';

/** The level of an org unit code: 6 digits district, 9 street, 12 community, 12 + "-NN" grid. */
export function levelOf(code: string): OrgLevel {
  if (code.includes('-')) return 'grid';
  return code.length >= 12 ? 'community' : code.length >= 9 ? 'street' : 'district';
}

/** Whether `code` lies in the subtree of `scope` (codes are prefixes of their subtree). */
export function within(scope: string, code: string): boolean {
  return code.startsWith(scope);
}
