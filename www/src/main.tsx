import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter } from 'react-router';
import { RouterProvider } from 'react-router/dom';
import { MantineProvider } from '@mantine/core';
import { DatesProvider } from '@mantine/dates';
import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import '@mantine/notifications/styles.css';
import { App } from './app/App';
import { ErrorBoundary } from './app/ErrorBoundary';
import { theme } from './app/theme';
import { Toasts } from './components/Toasts';
import { startCrm } from './data/crm';
import { FIRST_DAY_OF_WEEK } from './lib/format';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
startCrm()
  .then((client) => {
    // A data router: only it lets a form with unsaved changes hold a navigation (useBlocker, in
    // components/DiscardGuard): a link, the navigation or Back dropped the edits without a word.
    const router = createBrowserRouter([{ path: '*', element: <ErrorBoundary><App client={client} /></ErrorBoundary> }]);
    root.render(
      <StrictMode>
        <MantineProvider theme={theme}>
          <DatesProvider settings={{ firstDayOfWeek: FIRST_DAY_OF_WEEK }}>
            <Toasts />
            <ErrorBoundary>
              <RouterProvider router={router} />
            </ErrorBoundary>
          </DatesProvider>
        </MantineProvider>
      </StrictMode>,
    );
  })
  .catch((err) => root.render(<p role="alert">Could not start the CRM: {String(err)}</p>));

// Production builds keep the app openable offline (dist/sw.js, written by the build).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`).catch((err) => console.warn('no offline app:', err));
}
