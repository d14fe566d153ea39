// Compile-time tests of the generated TypeScript API (tests/pkg.test.mjs runs tsc on this
// file): what must type-check does, and every `@ts-expect-error` line must be an error.
import { CrmClient, isCrmError, LiveQueryClient, LocalStore, Pipeline, type Activity, type BatchResult, type Company, type Contact, type CrmError, type CrmErrorCode, type CrmQuery, type Deal, type Saved, type Stage, type UnknownStage } from 'crm-wasm';
import { CrmProvider, useLiveQuery, useLocalQuery, useMutation, useQuery, type CrmProviderProps } from 'crm-wasm/react';

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
      const code: CrmErrorCode = e.code;
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

  // --- Each misuse below fails to compile, and the runtime refuses it too (INVALID_INPUT or
  // INVALID_FIELD; tests/browser_data.rs and tests/pkg.test.mjs hold the runtime side).

  // Stages: a misspelt one is not a Stage (there is no `| string` in it).
  // @ts-expect-error: 'wonn' is not a stage
  crm.deals().equalTo('stage', 'wonn');
  // @ts-expect-error: 'wonn' is not a stage
  crm.deals().containedIn('stage', ['won', 'wonn']);
  // @ts-expect-error: 'wonn' is not a stage
  await crm.createDeal({ title: 't', stage: 'wonn' });
  // @ts-expect-error: 'wonn' is not a stage
  await crm.updateDeal('d1', { stage: 'wonn' });
  // @ts-expect-error: 'wonn' is not a stage
  pipeline.page('wonn', 0, 10);
  // @ts-expect-error: 'wonn' is not a stage
  pipeline.moveDeal('d1', 'wonn');
  // @ts-expect-error: 'wonn' is not a stage
  await crm.dealsByStage('wonn');
  // @ts-expect-error: 'fax' is not an activity type
  await crm.createActivity({ type: 'fax' });
  // Reading another client's stage still works: it is kept, typed apart from the known ones.
  const read: Deal = await crm.getDeal('d1');
  const stage: Stage | UnknownStage | undefined = read.stage;
  if (stage === 'won') void stage;
  for (const column of pipeline.columns()) pipeline.page(column.stage, 0, 10);
  // @ts-expect-error: another client's stage cannot be queried by (notContainedIn finds them)
  crm.deals().equalTo('stage', read.stage!);
  crm.deals().notContainedIn('stage', ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost']);

  // Pointers are typed by class.
  crm.contacts().equalTo('company', { className: 'Company', objectId: 'c1' });
  // @ts-expect-error: a Contact pointer where a Company pointer belongs
  crm.contacts().equalTo('company', { className: 'Contact', objectId: 'c1' });
  // @ts-expect-error: a Contact pointer where a Company pointer belongs
  await crm.createContact({ name: 'Ada', company: { className: 'Contact', objectId: 'c1' } });
  // @ts-expect-error: a Company pointer where a Contact pointer belongs
  await crm.updateDeal('d1', { contact: { className: 'Company', objectId: 'c1' } });

  // A sub-query over the class the pointer points to.
  crm.deals().matchesQuery('company', crm.companies().startsWith('name', 'Acme'));
  // @ts-expect-error: Deal.company points to Company, not Contact
  crm.deals().matchesQuery('company', crm.contacts());
  // @ts-expect-error: Deal.contact points to Contact, not Company
  crm.deals().doesNotMatchQuery('contact', crm.companies());
  // @ts-expect-error: title is not a pointer
  crm.deals().matchesQuery('title', crm.companies());
  // @ts-expect-error: a Contact query is not a Company query
  const companyQuery: CrmQuery<Company> = crm.contacts();
  void companyQuery;

  // The local store, typed per class.
  const made: Deal = await local.create('Deal', { title: 'Offline' });
  void made;
  // @ts-expect-error: a Deal has a title, not a name
  await local.create('Deal', { name: 'Acme' });
  // @ts-expect-error: create answers the class's type, not a union
  const notContact: Contact = await local.create('Deal', { title: 'x' });
  void notContact;
  await local.update('Deal', 'd1', { stage: 'won', amount: { increment: 1 } });
  // @ts-expect-error: Contact has no stage
  await local.update('Contact', 'c1', { stage: 'won' });
  // @ts-expect-error: increment is only for Deal.amount
  await local.update('Company', 'c1', { name: { increment: 1 } });
  // @ts-expect-error: contacts are not deals
  await local.pinAll('Deal', await crm.contacts().find());

  // include takes the class's pointer fields.
  await crm.getDeal('d1', ['company', 'contact']);
  // @ts-expect-error: title is not a pointer
  await crm.getDeal('d1', ['title']);
  // @ts-expect-error: Contact has no field contact
  await crm.getContact('c1', ['contact']);

  // Live queries follow every CRM class, each as its own type.
  live.subscribe(crm.contacts(), (e) => e.object.objectId);
  live.subscribe(crm.companies(), (e) => e.object.objectId);
  // @ts-expect-error: a Contact event has no title
  live.subscribe(crm.contacts(), (e) => e.kind === 'create' && e.object.title);
  // @ts-expect-error: a Contact query where an Activity query belongs
  useLiveQuery<Activity>({ query: (c) => c.contacts() });
  useLiveQuery({ query: (c) => c.contacts() });
  useLiveQuery<Activity>({ query: (c) => c.activities() });

  // With exactOptionalPropertyTypes (tsconfig.json): an optional handle or option may be given
  // as a value that is sometimes undefined (a local store not open yet, a pin chosen at run time).
  const maybeLocal: LocalStore | undefined = undefined as LocalStore | undefined;
  const maybeLive: LiveQueryClient | undefined = undefined as LiveQueryClient | undefined;
  const provider: CrmProviderProps = { client: crm, live: maybeLive, local: maybeLocal };
  CrmProvider(provider);
  const pin: string | undefined = undefined as string | undefined;
  useLocalQuery({ query: (c) => c.deals(), pin, all: undefined, enabled: undefined, key: undefined });
  useQuery({ query: (c) => c.deals(), enabled: pin !== undefined ? true : undefined });
  useLiveQuery({ query: (c) => c.deals(), onEvent: undefined });
  useMutation({ mutation: (id: string, c) => c.deleteDeal(id), optimistic: undefined, onSuccess: undefined, onError: undefined, onSettled: undefined });
  // The same for the package's own options, filters, models and changes.
  const maybeNumber: number | undefined = undefined as number | undefined;
  new CrmClient({ serverUrl: 'http://127.0.0.1:1337/parse', appId: 'crm', javascriptKey: 'k', timeoutMs: maybeNumber });
  new Pipeline().setFilter({ minAmount: maybeNumber, overdue: undefined });
  void crm.createDeal({ title: 'x', amount: maybeNumber, notes: undefined });
  void crm.updateDeal('d1', { amount: maybeNumber, title: undefined });
  crm.contacts().contains('name', 'ada', { caseInsensitive: undefined });

  // Text matching, optionally ignoring case.
  crm.contacts().contains('name', 'ada', { caseInsensitive: true }).endsWith('email', '.com');
  // @ts-expect-error: no such option
  crm.contacts().contains('name', 'ada', { ignoreCase: true });
  // @ts-expect-error: a limit is a number
  crm.deals().limit('10');

  // isCrmError, from the package itself, narrows what a catch holds.
  crm.deals().find().catch((e: unknown) => {
    if (isCrmError(e)) {
      const code: CrmErrorCode = e.code;
      void code;
    }
    // @ts-expect-error: not narrowed
    void e.code;
  });

  // Error codes are a closed union.
  local.on('rejected', ({ error }) => {
    const code: CrmErrorCode = error.code;
    // @ts-expect-error: not an error code
    if (code === 'NOT_A_CODE') void code;
  });
  // A committed write names its class, one of the four.
  local.on('change', ({ className }) => {
    const kept: 'Company' | 'Contact' | 'Deal' | 'Activity' = className;
    void kept;
    // @ts-expect-error: the local store keeps no users
    if (className === '_User') void className;
  });
}
