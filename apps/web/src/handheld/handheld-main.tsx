import { createRoot } from 'react-dom/client';
import './handheld.css';
import { authManager } from '../shared/auth/auth';
import { loadRuntimeConfig } from '../shared/config/runtime-config';
import { initI18n, registerStrings } from '../shared/i18n/i18n';
import { HandheldApp } from './HandheldApp';
import { handheldStrings } from './handheld-i18n';

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  registerStrings(handheldStrings);
  await initI18n();
  // The app opens without the network: the service worker keeps its files (and the configuration).
  if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/handheld-sw.js', { scope: '/' }).catch(() => undefined);
  try {
    authManager(await loadRuntimeConfig(), { persistent: true });
  } catch (err) {
    root.render(<pre className="gm-boot-error">{`应用配置无法加载 · The app's configuration could not be loaded\n${err instanceof Error ? err.message : String(err)}`}</pre>);
    return;
  }
  root.render(<HandheldApp />);
}

void start();
