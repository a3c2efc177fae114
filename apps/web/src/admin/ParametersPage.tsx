import './admin-i18n';

export function ParametersPage() {
  return null;
}
