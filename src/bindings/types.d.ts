/** An instant as ISO-8601 text in UTC with milliseconds: "2026-12-01T00:00:00.000Z". */
export type IsoDate = string;
/** Pipeline stages, in order: the only stages this client writes, queries by or pages through
 * (a misspelt one does not compile, and is refused at run time). */
export type Stage = "lead" | "qualified" | "proposal" | "negotiation" | "won" | "lost";
/** A stage outside `Stage` that another client wrote. Reading keeps it as it is (in `Deal.stage`,
 * as a trailing pipeline column); no string literal is one, so a typo never passes for one. */
export type UnknownStage = string & { readonly __unknownStage: true };
/** Activity kinds: the only ones this client writes or queries by. */
export type ActivityType = "call" | "email" | "meeting" | "note";
/** An activity kind outside `ActivityType` that another client wrote, kept as it is. */
export type UnknownActivityType = string & { readonly __unknownActivityType: true };
/** The Parse class of a model type. The declared models are told apart by a field only one of
 * them has (Contact and Company are otherwise interchangeable to TypeScript). */
export type ClassNameOf<T> = "title" extends keyof T ? "Deal"
  : "relatedTo" extends keyof T ? "Activity"
  : "username" extends keyof T ? "_User"
  : "email" extends keyof T ? "Contact"
  : "website" extends keyof T ? "Company"
  : string;
/** The model of each class. */
export interface CrmModels { Company: Company; Contact: Contact; Deal: Deal; Activity: Activity; _User: User }
/** A pointer to an object of class `C`. */
export type PointerTo<C extends string> = { className: C; objectId: string };
/** A pointer field's value: a pointer to `T`'s class (a pointer to another class does not
 * compile), or the whole object when the query included it. */
export type Ref<T> = PointerTo<ClassNameOf<T>> | (T & PointerTo<ClassNameOf<T>>);
/** What an activity is about: a Contact or a Deal. */
export type RelatedTo =
  | { className: "Contact"; objectId: string }
  | { className: "Deal"; objectId: string }
  | (Contact & { className: "Contact"; objectId: string })
  | (Deal & { className: "Deal"; objectId: string });
/** A value in a query condition: dates as IsoDate strings, pointers as {className, objectId}. */
export type QueryValue = string | number | boolean | null | Pointer | RelatedTo;
/** Read/write permissions by user id, "role:NAME" or "*". */
export type Acl = Record<string, { read?: boolean | undefined; write?: boolean | undefined }>;

/** Every error thrown by crm-wasm. */
export interface CrmError extends Error {
  name: "CrmError";
  /** Stable, one of `CrmErrorCode` (the README's table says when each is thrown). */
  code: CrmErrorCode;
  /** Parse Server's numeric error code, when the server sent one. */
  parseCode?: number;
}

/** The fields a client may write. */
export type Writable<T> = Omit<T, "objectId" | "createdAt" | "updatedAt" | "createdBy" | "ACL">;
/** A partial update: only these fields are sent; `null` unsets a field. */
export type Changes<T> = { [K in keyof Writable<T>]?: Known<Writable<T>[K]> | null | undefined };
/** What a write or a condition may carry: not another client's unknown stage or activity type
 * (writing one is refused; to find them, use `notContainedIn('stage', stages())`). */
type Known<V> = Exclude<V, UnknownStage | UnknownActivityType>;
/** A partial update of a Deal; `amount: { increment: n }` adds n on the server (atomic). */
export type DealChanges = Omit<Changes<Deal>, "amount"> & { amount?: number | null | { increment: number } | undefined };
/** What a write answers: the id, the server's timestamps, fields the server set or computed. */
export type Saved<T> = Partial<T> & { objectId: string; createdAt?: IsoDate; updatedAt?: IsoDate };
/** One object's outcome in saveAll / destroyAll. */
export type BatchResult<T> = { ok: true; object: T } | { ok: false; error: CrmError };

type FieldOf<T> = Extract<keyof T, string>;
type StringFieldOf<T> = { [K in keyof T]-?: NonNullable<T[K]> extends string ? K : never }[keyof T] & string;
/** Pointer fields (what `include` and `matchesQuery` take); `relatedTo` is an object, not one. */
type PointerFieldOf<T> = { [K in keyof T]-?: K extends "relatedTo" ? never
  : NonNullable<T[K]> extends PointerTo<string> ? K : never }[keyof T] & string;
/** The value a condition on `T[K]` compares with. */
type ValueOf<T, K extends keyof T> = Known<NonNullable<T[K]>>;
/** The model a pointer field points to. */
type TargetOf<V> = CrmModels[NonNullable<V> extends { className: infer C extends keyof CrmModels } ? C : never];
/** Options of `startsWith`, `contains` and `endsWith`. */
export interface TextOptions {
  /** Ignore the case of ASCII letters: "acme" finds "ACME Corp". Letters outside ASCII keep
   * their case ("é" does not find "É"): the server's PostgreSQL runs in the C locale, and the
   * local datastore answers exactly as the server does. Default false. */
  caseInsensitive?: boolean | undefined;
}

/**
 * A query over one class, built fluently. Every method returns a new query; the one it was
 * called on is unchanged and can be reused. Create one with `crm.deals()`, `crm.contacts()`,
 * `crm.companies()` or `crm.activities()`.
 */
export class CrmQuery<T, C extends string = ClassNameOf<T>> {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /** The Parse class queried. A type parameter of its own: TypeScript compares `CrmQuery<T>`s
   * by `T` alone, and Contact and Company have the same shape to it. */
  readonly className: C;
  equalTo<K extends FieldOf<T>>(field: K, value: ValueOf<T, K>): CrmQuery<T>;
  notEqualTo<K extends FieldOf<T>>(field: K, value: ValueOf<T, K>): CrmQuery<T>;
  containedIn<K extends FieldOf<T>>(field: K, values: ValueOf<T, K>[]): CrmQuery<T>;
  notContainedIn<K extends FieldOf<T>>(field: K, values: ValueOf<T, K>[]): CrmQuery<T>;
  lessThan<K extends FieldOf<T>>(field: K, value: ValueOf<T, K>): CrmQuery<T>;
  lessThanOrEqualTo<K extends FieldOf<T>>(field: K, value: ValueOf<T, K>): CrmQuery<T>;
  greaterThan<K extends FieldOf<T>>(field: K, value: ValueOf<T, K>): CrmQuery<T>;
  greaterThanOrEqualTo<K extends FieldOf<T>>(field: K, value: ValueOf<T, K>): CrmQuery<T>;
  exists(field: FieldOf<T>): CrmQuery<T>;
  doesNotExist(field: FieldOf<T>): CrmQuery<T>;
  /** Text starting with `text` (taken literally, never as a regular expression). */
  startsWith(field: StringFieldOf<T>, text: string, options?: TextOptions): CrmQuery<T>;
  /** Text containing `text` (taken literally, never as a regular expression). */
  contains(field: StringFieldOf<T>, text: string, options?: TextOptions): CrmQuery<T>;
  /** Text ending with `text` (taken literally, never as a regular expression). */
  endsWith(field: StringFieldOf<T>, text: string, options?: TextOptions): CrmQuery<T>;
  /** The pointer in `field` points at an object that `query` matches; `query` must be over
   * the class the pointer points to (checked at run time too: INVALID_INPUT). */
  matchesQuery<K extends PointerFieldOf<T>>(field: K, query: CrmQuery<TargetOf<T[K]>>): CrmQuery<T>;
  doesNotMatchQuery<K extends PointerFieldOf<T>>(field: K, query: CrmQuery<TargetOf<T[K]>>): CrmQuery<T>;
  /** Objects matching this query's conditions or `other`'s. Order, limit etc. are this one's. */
  or(other: CrmQuery<T>): CrmQuery<T>;
  /** Objects matching this query's conditions and `other`'s. */
  and(other: CrmQuery<T>): CrmQuery<T>;
  ascending(...fields: FieldOf<T>[]): CrmQuery<T>;
  descending(...fields: FieldOf<T>[]): CrmQuery<T>;
  /** A whole number from 0 to 1000 (anything else, a numeric string included, is INVALID_INPUT). */
  limit(n: number): CrmQuery<T>;
  skip(n: number): CrmQuery<T>;
  /** Fetch only these fields (Parse `keys`), plus objectId, timestamps and the class's required
   * fields (a Deal's title, a name), which its typed model cannot be built without. */
  select(...fields: FieldOf<T>[]): CrmQuery<T>;
  /** Fetch these pointer fields whole, decoded into typed objects. */
  include(...fields: PointerFieldOf<T>[]): CrmQuery<T>;
  find(): Promise<T[]>;
  first(): Promise<T | undefined>;
  get(objectId: string): Promise<T>;
  count(): Promise<number>;
  /** Every match, fetched page by page (limit and skip are ignored). */
  findAll(): Promise<T[]>;
  /** The query as plain data (the `Query` type). */
  toJSON(): Query;
  /** The same query, run against the local datastore (same results, same order). */
  fromLocalDatastore(store: LocalStore): CrmQuery<T>;
  /** The same query, run against one pin of the local datastore (default pin if no name). */
  fromPin(store: LocalStore, name?: string): CrmQuery<T>;
}

/** The client for one Parse Server app. */
export class CrmClient {
  free(): void;
  [Symbol.dispose](): void;
  constructor(options: ClientOptions);
  /** Calls `listener` when the server refuses the session (expired or revoked); the client
   * has then signed out. Returns a function that removes the listener. */
  onSessionExpired(listener: () => void): () => void;
  signUp(username: string, email: string, password: string): Promise<User>;
  logIn(username: string, password: string): Promise<User>;
  /** Revokes the session on the server, signs out locally, and deletes the user's local
   * datastore (pins and queued writes), so the next user of this browser sees nothing of it. */
  logOut(): Promise<void>;
  /** Forgets the session in this client without asking the server: for a session already
   * ended elsewhere (another tab of the browser logged out, which revoked it and deleted the
   * local datastore), where `logOut()` would send a request bound to fail. */
  forgetSession(): void;
  /** Signs in with an existing session token. */
  become(sessionToken: string): Promise<User>;
  /** Asks the server to e-mail a password-reset link. */
  requestPasswordReset(email: string): Promise<void>;
  /** Changes the signed-in user's password; the backend checks `currentPassword` like a log-in
   * (a wrong one: `VALIDATION_FAILED`; five wrong ones from an address lock it out for five
   * minutes: `RATE_LIMITED`). The server ends every session of the user; this client keeps the
   * new one it is given, so every other device is signed out. */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  /** The signed-in user (restored from storage after a reload), or undefined. */
  currentUser(): User | undefined;
  /** The session token, for handing to another client (`become`), or undefined. */
  sessionToken(): string | undefined;
  /** HTTP requests sent so far, retries included. */
  requestsSent(): number;
  /** Deals in one stage, ordered by `orderBy` (default "expectedCloseDate"; prefix "-" for
   * descending), up to `limit` (default 100). */
  dealsByStage(stage: Stage, orderBy?: string, limit?: number): Promise<Deal[]>;
  // Per class: create (objectId chosen by the client if absent), get (`include` names pointer
  // fields to fetch whole), update (only the given fields; `null` unsets), delete, find (a
  // query given as plain data), saveAll / destroyAll (50 per request, one result each), and
  // the query builder.
  createCompany(object: Company): Promise<Company>;
  getCompany(objectId: string, include?: PointerFieldOf<Company>[]): Promise<Company>;
  updateCompany(objectId: string, changes: Changes<Company>): Promise<Saved<Company>>;
  deleteCompany(objectId: string): Promise<void>;
  findCompanies(query?: Query | null): Promise<Company[]>;
  saveAllCompanies(objects: Company[]): Promise<BatchResult<Company>[]>;
  destroyAllCompanies(objectIds: string[]): Promise<BatchResult<null>[]>;
  companies(): CrmQuery<Company>;
  createContact(object: Contact): Promise<Contact>;
  getContact(objectId: string, include?: PointerFieldOf<Contact>[]): Promise<Contact>;
  updateContact(objectId: string, changes: Changes<Contact>): Promise<Saved<Contact>>;
  deleteContact(objectId: string): Promise<void>;
  findContacts(query?: Query | null): Promise<Contact[]>;
  saveAllContacts(objects: Contact[]): Promise<BatchResult<Contact>[]>;
  destroyAllContacts(objectIds: string[]): Promise<BatchResult<null>[]>;
  contacts(): CrmQuery<Contact>;
  createDeal(object: Deal): Promise<Deal>;
  getDeal(objectId: string, include?: PointerFieldOf<Deal>[]): Promise<Deal>;
  updateDeal(objectId: string, changes: DealChanges): Promise<Saved<Deal>>;
  deleteDeal(objectId: string): Promise<void>;
  findDeals(query?: Query | null): Promise<Deal[]>;
  saveAllDeals(objects: Deal[]): Promise<BatchResult<Deal>[]>;
  destroyAllDeals(objectIds: string[]): Promise<BatchResult<null>[]>;
  deals(): CrmQuery<Deal>;
  createActivity(object: Activity): Promise<Activity>;
  getActivity(objectId: string, include?: PointerFieldOf<Activity>[]): Promise<Activity>;
  updateActivity(objectId: string, changes: Changes<Activity>): Promise<Saved<Activity>>;
  deleteActivity(objectId: string): Promise<void>;
  findActivities(query?: Query | null): Promise<Activity[]>;
  saveAllActivities(objects: Activity[]): Promise<BatchResult<Activity>[]>;
  destroyAllActivities(objectIds: string[]): Promise<BatchResult<null>[]>;
  activities(): CrmQuery<Activity>;
}

/** The pipeline engine held in wasm memory: JavaScript asks for small views (column
 * summaries, one page of cards), never the whole set per render; every change bumps
 * `version` and notifies subscribers (what `useSyncExternalStore` needs). */
export class Pipeline {
  free(): void;
  [Symbol.dispose](): void;
  constructor();
  /** Replaces the deals with a JSON array (or a Parse answer `{results: [...]}`), wire or JS
   * shape. On error nothing changes. */
  loadJson(text: string): void;
  /** Replaces the deals with these objects. */
  load(deals: Deal[]): void;
  /** Replaces the deals with every result of a query (paged through with findAll). */
  loadQuery(query: CrmQuery<Deal>): Promise<void>;
  /** Adds or replaces one deal (a Live Query event, a sync). */
  upsert(deal: Deal): void;
  /** Removes one deal; true if it was there. */
  remove(objectId: string): boolean;
  /** Sets the filter (`overdue` and `staleDays` are judged against the clock now). */
  setFilter(filter: Filter): void;
  readonly filter: Filter;
  setSort(sort: Sort): void;
  setProbabilities(probabilities: Probabilities): void;
  /** Recomputes every column from scratch (changes do this incrementally by themselves). */
  regroup(): void;
  /** Changes whenever anything shown changes. */
  readonly version: number;
  readonly size: number;
  /** The columns in stage order with count, total and weighted total. */
  columns(): ColumnSummary[];
  /** Cards `offset .. offset + limit` of one column, in the current sort. */
  page(stage: Stage | UnknownStage, offset: number, limit: number): Deal[];
  /** One deal held by the pipeline, or undefined. */
  get(objectId: string): Deal | undefined;
  /** Win rate, average deal size, average age per stage, expected revenue by month. */
  stats(): Stats;
  /** Moves a deal at once and answers the move's id; save the new stage, then
   * `confirmMove(id)` or `revertMove(id)`. */
  moveDeal(objectId: string, stage: Stage): number;
  confirmMove(moveId: number): boolean;
  revertMove(moveId: number): boolean;
  /** Moves a deal at once and saves the new stage; if the save fails the move is undone and
   * the error thrown. */
  moveAndSave(client: CrmClient, objectId: string, stage: Stage): Promise<void>;
  /** Calls `listener` after every change; returns a function that unsubscribes. Shaped for
   * React's `useSyncExternalStore(subscribe, () => pipeline.version)`. */
  subscribe(listener: () => void): () => void;
}

/** A change reaching a live subscription. `caughtUp` marks changes found after a reconnect
 * (objects updated, or deleted, while the socket was down) rather than pushed by the server;
 * a caught-up delete carries only the objectId. */
export type LiveEvent<T> =
  | { kind: "create" | "update" | "enter"; object: T; original?: T; caughtUp: boolean }
  | { kind: "delete" | "leave"; object: T | { objectId: string }; original?: T; caughtUp: boolean };

/** A query Live Queries can follow: the server streams every CRM class. */
export type LiveCrmQuery<T> = CrmQuery<T> & { readonly className: CrmClassName };

/** Live Queries for one client's session: typed events for Company, Contact, Deal and Activity
 * queries, with reconnection, resubscription and catch-up. */
export class LiveQueryClient {
  free(): void;
  [Symbol.dispose](): void;
  /** Connects with `client`'s app, key and current session. */
  constructor(client: CrmClient, options?: LiveOptions | null);
  /** Calls `handler` for every change matching `query`. Answers
   * the subscription's id, for `unsubscribe` and `isSubscribed`. After `close()` it throws
   * CLOSED. */
  subscribe<T extends Company | Contact | Deal | Activity>(query: LiveCrmQuery<T>, handler: (event: LiveEvent<T>) => void): number;
  /** Keeps `pipeline` in step with `query`: loads every match, then applies each change as
   * it happens (and what was missed while disconnected). Answers the subscription's id. */
  livePipeline(pipeline: Pipeline, query: CrmQuery<Deal>): Promise<number>;
  /** Keeps a pin of the local datastore in step with `query`: refreshes it now, then applies
   * every change (created and updated objects are stored, deleted ones unpinned). Answers
   * the subscription's id. */
  livePin(store: LocalStore, query: CrmQuery<Company> | CrmQuery<Contact> | CrmQuery<Deal> | CrmQuery<Activity>, name?: string): Promise<number>;
  unsubscribe(subscription: number): boolean;
  /** Whether the server has confirmed the subscription on the current connection (events
   * flow from then on). */
  isSubscribed(subscription: number): boolean;
  /** "connecting" | "connected" | "disconnected" | "closed". */
  readonly status: LiveStatus;
  /** Calls `listener(status)` on every change of status; returns a function that unsubscribes. */
  onStatus(listener: (status: LiveStatus) => void): () => void;
  /** Calls `listener(error)` for failures that have no caller to throw to (a catch-up that
   * failed, a refused session); returns a function that unsubscribes. */
  onError(listener: (error: CrmError) => void): () => void;
  /** Closes the connection for good. */
  close(): void;
}

/** The classes the local datastore keeps. */
export type CrmClassName = "Company" | "Contact" | "Deal" | "Activity";
/** A write waiting in the offline queue. */
export interface PendingOp {
  seq: number;
  className: CrmClassName;
  objectId: string;
  requestId: string;
  kind: { type: "create" | "update" | "delete" };
  /** Set when the server refused it; it stays queued until dropOp(seq). */
  rejected?: { code: CrmErrorCode; message: string };
}
/** A field changed both offline here and on the server meanwhile. */
export interface Conflict {
  className: CrmClassName;
  objectId: string;
  field: string;
  ours: unknown;
  theirs: unknown;
  base: unknown;
  policy: ConflictPolicy;
}

/** The local datastore of the signed-in user. */
export class LocalStore {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /** Opens the local database of `client`'s signed-in user. */
  static open(client: CrmClient, options?: LocalOptions | null): Promise<LocalStore>;
  /** Listens to one kind of event; returns a function that removes the listener. */
  on(event: "status", listener: (status: SyncStatus) => void): () => void;
  on(event: "progress", listener: (progress: { done: number; total: number }) => void): () => void;
  on(event: "rejected", listener: (rejected: { op: PendingOp; error: { code: CrmErrorCode; message: string } }) => void): () => void;
  on(event: "conflict", listener: (conflict: Conflict) => void): () => void;
  /** A write to a class's local data committed through this store: a pin, an unpin, an offline
   * write, a replay's answer, a `livePin` update (once per write, not per object). */
  on(event: "change", listener: (change: { className: CrmClassName }) => void): () => void;
  /** Listens to "status" (SyncStatus), "progress" ({done, total}), "rejected" ({op, error}),
   * "conflict" (Conflict) or "change" ({className}). Returns a function that removes the
   * listener. */
  on(event: 'status' | 'progress' | 'rejected' | 'conflict' | 'change', listener: Function): () => void;
  readonly status: SyncStatus;
  /** Creates an object offline-first: stored and queued at once, sent when possible.
   * Answers the object with its client-chosen objectId. */
  create<C extends CrmClassName>(className: C, object: CrmModels[C]): Promise<CrmModels[C] & { objectId: string }>;
  /** Updates fields offline-first (`null` unsets). */
  update<C extends CrmClassName>(className: C, objectId: string, changes: ChangesOf<C>): Promise<void>;
  /** Deletes offline-first. */
  destroy(className: CrmClassName, objectId: string): Promise<void>;
  /** Stores objects of a class and adds them to the default pin (or the pin `name`). */
  pinAll<C extends CrmClassName>(className: C, objects: CrmModels[C][], name?: string): Promise<number>;
  /** `pinAll` under a name, as the Parse SDK's `pinAllWithName`. */
  pinWithName<C extends CrmClassName>(name: string, className: C, objects: CrmModels[C][]): Promise<number>;
  /** Pins one object (the seed's `pin`). */
  pin<C extends CrmClassName>(className: C, object: CrmModels[C]): Promise<number>;
  /** Removes objects from a pin (every pin of the class if `name` is not given). */
  unpin(className: CrmClassName, objectIds: string[], name?: string): Promise<void>;
  /** Unpins everything of a class ("Deal") or every object of a named pin. */
  unpinAll(classNameOrPin: string): Promise<void>;
  /** Brings a pin up to date with `query` on the server: objects whose version differs are
   * stored, pinned objects the server no longer returns are dropped. */
  refreshPin(query: CrmQuery<Company> | CrmQuery<Contact> | CrmQuery<Deal> | CrmQuery<Activity>, name?: string): Promise<{ updated: number; removed: number }>;
  /** Replays queued writes now (one tab at a time) and answers what happened. */
  sync(): Promise<SyncReport>;
  /** Writes still queued, oldest first (with `rejected` set on those the server refused). */
  pending(): Promise<PendingOp[]>;
  /** Drops a queued write (e.g. one the server rejected), leaving the local copy as it is.
   * Answers whether it was still queued (it may have been sent meanwhile). */
  dropOp(seq: number): Promise<boolean>;
  close(): void;
}
/** The partial update of a class's objects. */
export type ChangesOf<C extends CrmClassName> = C extends "Deal" ? DealChanges : Changes<CrmModels[C]>;

/** Global search over the deals, contacts and companies this device holds, in wasm memory.
 * Deals come from a `Pipeline` (so they follow its live updates and offline loads), contacts
 * and companies from the local store or the server. */
export class SearchIndex {
  free(): void;
  [Symbol.dispose](): void;
  constructor();
  /** Records held (deals, contacts and companies). */
  readonly size: number;
  /** Makes the indexed deals exactly the pipeline's (cheap when it has not changed since the
   * last call: its version is compared). True if anything was re-read. */
  syncPipeline(pipeline: Pipeline): boolean;
  /** Makes the indexed deals exactly these (when no pipeline holds them). */
  setDeals(deals: Deal[]): void;
  /** Makes the indexed contacts exactly these. */
  setContacts(contacts: Contact[]): void;
  /** Makes the indexed companies exactly these. */
  setCompanies(companies: Company[]): void;
  upsertContact(contact: Contact): void;
  upsertCompany(company: Company): void;
  upsertDeal(deal: Deal): void;
  /** Removes one record; true if it was there. */
  remove(className: 'Deal' | 'Contact' | 'Company', objectId: string): boolean;
  /** The best `limit` (default 20, at most 200) records for `query`, best first: every word
   * of it must be in the record's name, title, e-mail, phone, website or industry, or in its
   * company's name; any case, accents or not. */
  search(query: string, limit?: number | null): SearchHit[];
}
