import { useEffect, useState } from 'react';
import { ConfigProvider, type ConfigProviderProps } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { useTranslation } from 'react-i18next';

/** Ant Design's own texts (pickers, pagination, empty states) in the app's language, following a switch at once. */
export function LocalizedConfig({ children, ...props }: ConfigProviderProps) {
  const { i18n } = useTranslation();
  const [lang, setLang] = useState(i18n.language);
  useEffect(() => {
    const on = (l: string) => setLang(l);
    i18n.on('languageChanged', on);
    return () => i18n.off('languageChanged', on);
  }, [i18n]);
  return (
    <ConfigProvider locale={lang === 'en' ? enUS : zhCN} button={{ autoInsertSpace: false }} {...props}>
      {children}
    </ConfigProvider>
  );
}
