// The root layout of the Next.js (App Router) app that tests/e2e/package.test.mjs builds with
// the packed crm-wasm: a server component, no font loader (the test reaches no host but the
// npm registry and the loopback backend).
import type { ReactNode } from 'react';

export const metadata = { title: 'crm-wasm in Next.js' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
