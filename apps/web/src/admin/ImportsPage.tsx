import './admin-i18n';

export function ImportsPage() {
  return null;
}
