// Compile-time checks of crm-wasm/react (type-checked with the app, never run): each line
// marked as an expected error must be one, or tsc fails.
import type { Activity, Contact, Deal } from 'crm-wasm';
import { CrmProvider, useLiveQuery, useMutation, useQuery, usePipeline, type HookError } from 'crm-wasm/react';
import type { Pipeline } from 'crm-wasm';

export function Checks({ pipeline }: { pipeline: Pipeline }) {
  const deals = useQuery({ query: (crm) => crm.deals() });
  const typed: Deal[] | undefined = deals.data;
  // @ts-expect-error the rows are Deals, not Contacts
  const wrong: Contact[] | undefined = deals.data;
  // Deals and Activities only, each its own type.
  useLiveQuery({ query: (crm) => crm.activities() });
  // Every CRM class is live.
  useLiveQuery({ query: (crm) => crm.contacts() });
  // @ts-expect-error a Contact query where an Activity query belongs
  useLiveQuery<Activity>({ query: (crm) => crm.contacts() });
  // @ts-expect-error 'wonn' is not a stage
  useQuery({ query: (crm) => crm.deals().equalTo('stage', 'wonn') });
  // @ts-expect-error a Contact sub-query on a Company pointer
  useQuery({ query: (crm) => crm.deals().matchesQuery('company', crm.contacts()) });
  const rename = useMutation({ mutation: (v: { id: string; title: string }, crm) => crm.updateDeal(v.id, { title: v.title }) });
  // @ts-expect-error the variables are typed by the mutation
  rename.mutate({ id: 'x' });
  const error: HookError | undefined = rename.error;
  const columns: { stage: string }[] = usePipeline(pipeline, (p) => p.columns());
  const version: number = usePipeline(pipeline);
  return <p>{typed?.length}{wrong?.length}{error?.message}{columns.length}{version}</p>;
}

export function NoClient() {
  // @ts-expect-error the provider needs a client
  return <CrmProvider><Checks pipeline={undefined as unknown as Pipeline} /></CrmProvider>;
}
