import './admin-i18n';

export function OrgPage() {
  return null;
}
