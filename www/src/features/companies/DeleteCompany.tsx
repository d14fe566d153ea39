import { useEffect, useState } from 'react';
import { Loader, Text } from '@mantine/core';
import type { Company, Contact, Deal } from 'crm-wasm';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { companyLinks, deleteCompany } from '../../data/actions';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { plural } from '../../lib/format';

/** Confirms a company's delete, saying which contacts and deals point at it (they are unlinked;
 * the notification's Undo restores the company and the links). */
export function DeleteCompany({ company, onClose, onDeleted }: { company: Company; onClose: () => void; onDeleted: () => void }) {
  const { workspace } = useSession();
  const [links, setLinks] = useState<{ contacts: Contact[]; deals: Deal[] }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    companyLinks(workspace, company.objectId!).then((l) => live && setLinks(l), (e) => live && setError(describeError(e)));
    return () => {
      live = false;
    };
  }, [workspace, company]);
  const confirm = async () => {
    if (!links) return;
    setBusy(true);
    try {
      await deleteCompany(workspace, company, links);
      onDeleted();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return (
    <ConfirmDelete opened title={`Delete ${company.name}?`} onCancel={onClose} onConfirm={confirm} busy={busy || !links}>
      {!links && !error && <Loader size="xs" />}
      {links && (links.contacts.length + links.deals.length === 0 ? (
        <Text size="sm" data-testid="company-links">Nothing points at {company.name}{/[.!?]$/.test(company.name) ? '' : '.'}</Text>
      ) : (
        <Text size="sm" data-testid="company-links">
          {plural(links.contacts.length, 'contact', 'contacts')} and {plural(links.deals.length, 'deal', 'deals')} belong to {company.name}. They are kept, without a company (Undo puts the links back).
        </Text>
      ))}
      {error && <Text c="red" size="sm" role="alert">{error}</Text>}
    </ConfirmDelete>
  );
}
