import { createRoot } from 'react-dom/client';
import 'maplibre-gl/dist/maplibre-gl.css';
import './app/app.css';
import { App } from './app/App';
import { authManager } from './shared/auth/auth';
import { loadRuntimeConfig } from './shared/config/runtime-config';
import { initI18n } from './shared/i18n/i18n';

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  await initI18n();
  try {
    authManager(await loadRuntimeConfig());
  } catch (err) {
    root.render(<pre className="gm-boot-error">{`控制台配置无法加载 · The console's configuration could not be loaded\n${err instanceof Error ? err.message : String(err)}`}</pre>);
    return;
  }
  root.render(<App />);
}

void start();
