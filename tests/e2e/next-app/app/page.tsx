// A server component (prerendered by `next build`) that renders the client component: crm-wasm
// is only ever initialised in the browser.
import { Crm } from './crm';

export default function Page() {
  return (
    <main>
      <h1>crm-wasm in Next.js</h1>
      <Crm />
    </main>
  );
}
