import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { en } from './en';
import { zhCN } from './zh-CN';

export type Language = 'zh-CN' | 'en';
const KEY = 'gm.language';

/** Chinese first; English a click away, remembered on this device. */
export function initialLanguage(): Language {
  return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh-CN';
}

type Bundle = Readonly<Record<string, unknown>>;
const features: { 'zh-CN': Bundle; en: Bundle }[] = [];

/**
 * A feature's own strings (e.g. the administration pages'): merged in when the console starts, or
 * at once when the feature's code loads later (pages loaded on first use).
 */
export function registerStrings(bundle: { 'zh-CN': Bundle; en: Bundle }): void {
  features.push(bundle);
  if (i18n.isInitialized) for (const lng of ['zh-CN', 'en'] as const) i18n.addResourceBundle(lng, 'translation', bundle[lng], true, true);
}

export async function initI18n(): Promise<void> {
  const lng = initialLanguage();
  const merge = (base: Bundle, lang: 'zh-CN' | 'en') => Object.assign({}, base, ...features.map((f) => f[lang]));
  await i18n.use(initReactI18next).init({
    resources: { 'zh-CN': { translation: merge(zhCN, 'zh-CN') }, en: { translation: merge(en, 'en') } },
    lng,
    fallbackLng: 'zh-CN',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyLanguage(lng);
}

export async function setLanguage(lng: Language): Promise<void> {
  localStorage.setItem(KEY, lng);
  await i18n.changeLanguage(lng);
  applyLanguage(lng);
}

function applyLanguage(lng: Language): void {
  document.documentElement.lang = lng;
  dayjs.locale(lng === 'en' ? 'en' : 'zh-cn');
}

/** Picks the Chinese or English name of a bilingual value (catalogue entries, departments, grades). */
export function localName(v: { zh?: string; en?: string; nameZh?: string; nameEn?: string } | undefined, lng = i18n.language): string {
  if (!v) return '';
  return lng === 'en' ? (v.en ?? v.nameEn ?? v.zh ?? v.nameZh ?? '') : (v.zh ?? v.nameZh ?? v.en ?? v.nameEn ?? '');
}
