import { STAFF_EMPLOYMENTS, STAFF_POSTS, type FieldError } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { rowBad, rowOk, upsertCounts, type CsvKind } from '@gm/platform';

/** org-units.csv: code,name,level,parent_code (the tree, top down or in any order). */
export function orgUnitsKind(schema: string): CsvKind {
  const t = `"${schema}".org_units`;
  return {
    name: 'org-units',
    columns: ['code', 'name', 'level', 'parent_code'],
    stage: {
      table: 'org_stage',
      ddl: 'CREATE TEMP TABLE org_stage (line int, code text, name text, level text, parent_code text) ON COMMIT DROP',
      columns: ['code', 'name', 'level', 'parent_code'],
    },
    row([code, name, level, parent], line) {
      const errors: FieldError[] = [];
      let unit: OrgUnitCode | undefined;
      try {
        unit = OrgUnitCode.parse(code!);
      } catch {
        errors.push({ line, field: 'code', message: `not an org unit code: "${code}"` });
      }
      const n = name!.trim();
      if (n.length === 0 || n.length > 100) errors.push({ line, field: 'name', message: 'name must be 1–100 characters' });
      if (unit && level !== unit.level) errors.push({ line, field: 'level', message: `must be "${unit.level}" for ${unit.value}` });
      const p = parent!.trim() || null;
      if (unit && p !== (unit.parent?.value ?? null)) errors.push({ line, field: 'parent_code', message: `parent of ${unit.value} must be ${unit.parent?.value ?? 'empty'}` });
      return errors.length > 0 ? rowBad(errors) : rowOk([unit!.value, n, unit!.level, p]);
    },
    async check(client) {
      const dup = await client.query<{ line: number; code: string }>(
        `SELECT line, code FROM (SELECT line, code, row_number() OVER (PARTITION BY code ORDER BY line) AS n FROM org_stage) x WHERE n > 1 ORDER BY line LIMIT 1000`,
      );
      const orphans = await client.query<{ line: number; parent_code: string }>(
        `SELECT s.line, s.parent_code FROM org_stage s WHERE s.parent_code IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM org_stage p WHERE p.code = s.parent_code)
           AND NOT EXISTS (SELECT 1 FROM ${t} u WHERE u.code = s.parent_code) ORDER BY s.line LIMIT 1000`,
      );
      return [
        ...dup.rows.map((r) => ({ line: r.line, field: 'code', message: `duplicate code ${r.code}` })),
        ...orphans.rows.map((r) => ({ line: r.line, field: 'parent_code', message: `unknown parent unit ${r.parent_code}` })),
      ];
    },
    apply: (client) =>
      upsertCounts(
        client,
        `INSERT INTO ${t} (code, name, level, parent_code, updated_at) SELECT code, name, level, parent_code, now() FROM org_stage
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, parent_code = EXCLUDED.parent_code, updated_at = now()
         WHERE (org_units.name, org_units.level, org_units.parent_code) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level, EXCLUDED.parent_code)`,
      ),
  };
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;

/** staff.csv: unit_code,username,display_name,post,employment,ab_partner (A/B posts name each other). */
export function staffKind(schema: string): CsvKind {
  const t = `"${schema}".staff`;
  return {
    name: 'staff',
    columns: ['unit_code', 'username', 'display_name', 'post', 'employment', 'ab_partner'],
    stage: {
      table: 'staff_stage',
      ddl: 'CREATE TEMP TABLE staff_stage (line int, unit_code text, username text, display_name text, post text, employment text, ab_partner text) ON COMMIT DROP',
      columns: ['unit_code', 'username', 'display_name', 'post', 'employment', 'ab_partner'],
    },
    row([unit, username, name, post, employment, partner], line) {
      const errors: FieldError[] = [];
      if (!OrgUnitCode.isValid(unit!)) errors.push({ line, field: 'unit_code', message: `not an org unit code: "${unit}"` });
      if (!USERNAME.test(username!)) errors.push({ line, field: 'username', message: 'lower-case letters, digits, ".", "_" or "-", 3–64 characters' });
      const n = name!.trim();
      if (n.length === 0 || n.length > 50) errors.push({ line, field: 'display_name', message: 'display_name must be 1–50 characters' });
      if (!(STAFF_POSTS as readonly string[]).includes(post!)) errors.push({ line, field: 'post', message: `one of ${STAFF_POSTS.join(', ')}` });
      if (!(STAFF_EMPLOYMENTS as readonly string[]).includes(employment!)) errors.push({ line, field: 'employment', message: `one of ${STAFF_EMPLOYMENTS.join(', ')}` });
      const p = partner!.trim() || null;
      if (p !== null && (!USERNAME.test(p) || p === username)) errors.push({ line, field: 'ab_partner', message: 'another staff member\'s username' });
      return errors.length > 0 ? rowBad(errors) : rowOk([OrgUnitCode.parse(unit!).value, username, n, post, employment, p]);
    },
    async check(client) {
      const unknownUnit = await client.query<{ line: number; unit_code: string }>(
        `SELECT s.line, s.unit_code FROM staff_stage s WHERE NOT EXISTS (SELECT 1 FROM "${schema}".org_units u WHERE u.code = s.unit_code) ORDER BY s.line LIMIT 1000`,
      );
      const unpaired = await client.query<{ line: number; ab_partner: string }>(
        `SELECT s.line, s.ab_partner FROM staff_stage s WHERE s.ab_partner IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM (SELECT username, ab_partner FROM staff_stage UNION ALL SELECT username, ab_partner FROM ${t} WHERE username NOT IN (SELECT username FROM staff_stage)) p
           WHERE p.username = s.ab_partner AND p.ab_partner = s.username) ORDER BY s.line LIMIT 1000`,
      );
      return [
        ...unknownUnit.rows.map((r) => ({ line: r.line, field: 'unit_code', message: `unknown org unit ${r.unit_code}` })),
        ...unpaired.rows.map((r) => ({ line: r.line, field: 'ab_partner', message: `${r.ab_partner} does not name this person back as A/B partner` })),
      ];
    },
    apply: (client) =>
      upsertCounts(
        client,
        `INSERT INTO ${t} (username, unit_code, display_name, post, employment, ab_partner, updated_at)
         SELECT username, unit_code, display_name, post, employment, ab_partner, now() FROM staff_stage
         ON CONFLICT (username) DO UPDATE SET unit_code = EXCLUDED.unit_code, display_name = EXCLUDED.display_name, post = EXCLUDED.post,
           employment = EXCLUDED.employment, ab_partner = EXCLUDED.ab_partner, updated_at = now()
         WHERE (staff.unit_code, staff.display_name, staff.post, staff.employment, staff.ab_partner)
               IS DISTINCT FROM (EXCLUDED.unit_code, EXCLUDED.display_name, EXCLUDED.post, EXCLUDED.employment, EXCLUDED.ab_partner)`,
      ),
  };
}
