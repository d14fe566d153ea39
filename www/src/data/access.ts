// Who may change what. The server decides (its ACLs, backend/cloud/sharing.js): a deal's
// assignee reads its company and contact but only their owner changes them, and a sales manager
// reads everything. The app shows that up front, rather than as an error on save.
import type { Acl } from 'crm-wasm';
import { useSession } from './context';
import { useMyTeam } from './team';

interface Owned {
  ACL?: Acl;
  createdBy?: { objectId: string };
}

/** Whether `userId` may change `o`. An object with no ACL was made on this device and is not on
 * the server yet: it is the user's own. */
export const canChange = (o: Owned, userId: string) => !o.ACL || o.ACL[userId]?.write === true;

/** The display name of whoever created an object, to say whose it is. */
export function useOwnerName() {
  const team = useMyTeam();
  return (o: Owned | undefined) => team.nameOf(o?.createdBy?.objectId) ?? 'a colleague';
}

/** `canChange` for the signed-in user, and the owner's display name. */
export function useAccess(o: Owned | undefined) {
  const { user } = useSession();
  const ownerOf = useOwnerName();
  return { canChange: !o || canChange(o, user.objectId!), owner: ownerOf(o) };
}
