// Compile-time tests of the generated TypeScript API (tests/pkg.test.mjs runs tsc on this
// file): what must type-check does, and every `@ts-expect-error` line must be an error.
import { CrmClient, LiveQueryClient, LocalStore, Pipeline, type Activity, type BatchResult, type Company, type Contact, type CrmError, type Deal, type Saved } from 'crm-wasm';

declare const crm: CrmClient;

export async function typed(): Promise<void> {
  const deals: Deal[] = await crm.deals().equalTo('stage', 'won').ascending('expectedCloseDate', 'title').limit(10).find();
  const count: number = await crm.deals().greaterThan('amount', 1000).count();
  const first: Deal | undefined = await crm.deals().descending('updatedAt').first();
  const one: Deal = await crm.deals().include('company', 'contact').get('abc');
  const all: Deal[] = await crm.deals().findAll();
  const contacts: Contact[] = await crm.contacts()
    .matchesQuery('company', crm.companies().startsWith('name', 'Acme'))
    .find();
  const activities: Activity[] = await crm.activities().equalTo('relatedTo', { className: 'Deal', objectId: 'd1' }).find();
  const companies: Company[] = await crm.companies().or(crm.companies().contains('industry', 'soft')).find();
  const saved: Saved<Deal> = await crm.updateDeal('d1', { stage: 'won', amount: { increment: 5 }, notes: null });
  const results: BatchResult<Deal>[] = await crm.saveAllDeals([{ title: 'x' }]);
  for (const r of results) {
    if (r.ok) {
      const d: Deal = r.object;
      void d;
    } else {
      const e: CrmError = r.error;
      const code: string = e.code;
      void code;
    }
  }
  void [deals, count, first, one, all, contacts, activities, companies, saved];

  const live = new LiveQueryClient(crm, { heartbeatMs: 10000 });
  live.subscribe(crm.deals().equalTo('stage', 'won'), (e) => {
    if (e.kind === 'create') {
      const d: Deal = e.object;
      void d;
    }
  });
  const pipeline = new Pipeline();
  await live.livePipeline(pipeline, crm.deals());
  pipeline.setFilter({ assignees: ['u1'], overdue: true });
  const moveId: number = pipeline.moveDeal('d1', 'won');
  pipeline.confirmMove(moveId);
  const local = await LocalStore.open(crm, { conflictPolicy: 'serverWins' });
  await local.pinAll('Deal', deals);
  const offlineDeals: Deal[] = await crm.deals().fromLocalDatastore(local).find();
  const pinned: number = await crm.deals().fromPin(local, 'hot').count();
  const report = await local.sync();
  const pendingCount: number = report.pending;
  void [offlineDeals, pinned, pendingCount];
  // @ts-expect-error: the local store keeps the four CRM classes only
  await local.pinAll('_User', []);
  // @ts-expect-error: not a stage the pipeline knows how to sort by
  pipeline.setSort({ key: 'stage' });

  // @ts-expect-error: no field "stag" on Deal
  crm.deals().equalTo('stag', 'won');
  // @ts-expect-error: amount is a number
  crm.deals().equalTo('amount', 'lots');
  // @ts-expect-error: contains works on text fields only
  crm.deals().contains('amount', '1');
  // @ts-expect-error: include takes pointer fields only
  crm.deals().include('title');
  // @ts-expect-error: the title is required
  await crm.createDeal({ amount: 5 });
  // @ts-expect-error: the title is a string
  await crm.createDeal({ title: 5 });
  // @ts-expect-error: createdBy is set by the server
  await crm.updateDeal('d1', { createdBy: { className: '_User', objectId: 'u' } });
  // @ts-expect-error: increment is only for Deal.amount
  await crm.updateContact('c1', { name: { increment: 1 } });
  // @ts-expect-error: a Contact query result is not a Deal list
  const wrong: Deal[] = await crm.contacts().find();
  void wrong;
}
