import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startCrm } from './crm';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
startCrm()
  .then((client) =>
    root.render(
      <StrictMode>
        <App client={client} />
      </StrictMode>,
    ),
  )
  .catch((err) => root.render(<p role="alert">Could not start crm-wasm: {String(err)}</p>));

// Production builds keep the app openable offline (dist/sw.js, written by the build).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`).catch((err) => console.warn('no offline app:', err));
}
