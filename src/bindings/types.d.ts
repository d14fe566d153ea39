/** An instant as ISO-8601 text in UTC with milliseconds: "2026-12-01T00:00:00.000Z". */
export type IsoDate = string;
/** Pipeline stages, in order. Values written by other clients outside this set are kept as-is. */
export type Stage = "lead" | "qualified" | "proposal" | "negotiation" | "won" | "lost" | (string & {});
/** Activity kinds. Values outside this set are kept as-is. */
export type ActivityType = "call" | "email" | "meeting" | "note" | (string & {});
/** A pointer field's value: a bare pointer, or the whole object when the query included it. */
export type Ref<T> = Pointer | (T & { className: string; objectId: string });
/** What an activity is about: a Contact or a Deal. */
export type RelatedTo =
  | { className: "Contact"; objectId: string }
  | { className: "Deal"; objectId: string }
  | (Contact & { className: "Contact"; objectId: string })
  | (Deal & { className: "Deal"; objectId: string });
/** A value in a query condition: dates as IsoDate strings, pointers as {className, objectId}. */
export type QueryValue = string | number | boolean | null | Pointer | RelatedTo;
/** Read/write permissions by user id, "role:NAME" or "*". */
export type Acl = Record<string, { read?: boolean; write?: boolean }>;

/** Every error thrown by crm-wasm. */
export interface CrmError extends Error {
  name: "CrmError";
  /** Stable: MISSING_FIELD, INVALID_FIELD, INVALID_INPUT, NOT_SIGNED_IN, NETWORK_ERROR, TIMEOUT,
   * MALFORMED_RESPONSE, OBJECT_NOT_FOUND, PERMISSION_DENIED, INVALID_SESSION, USERNAME_TAKEN,
   * EMAIL_TAKEN, INVALID_CREDENTIALS, ACCOUNT_LOCKED, RATE_LIMITED, VALIDATION_FAILED, DUPLICATE_VALUE, DUPLICATE_REQUEST, INVALID_QUERY,
   * UNAUTHORIZED, SERVER_ERROR, HTTP_ERROR. */
  code: string;
  /** Parse Server's numeric error code, when the server sent one. */
  parseCode?: number;
}

/** The fields a client may write. */
export type Writable<T> = Omit<T, "objectId" | "createdAt" | "updatedAt" | "createdBy" | "ACL">;
/** A partial update: only these fields are sent; `null` unsets a field. */
export type Changes<T> = { [K in keyof Writable<T>]?: Writable<T>[K] | null };
/** A partial update of a Deal; `amount: { increment: n }` adds n on the server (atomic). */
export type DealChanges = Omit<Changes<Deal>, "amount"> & { amount?: number | null | { increment: number } };
/** What a write answers: the id, the server's timestamps, fields the server set or computed. */
export type Saved<T> = Partial<T> & { objectId: string; createdAt?: IsoDate; updatedAt?: IsoDate };
/** One object's outcome in saveAll / destroyAll. */
export type BatchResult<T> = { ok: true; object: T } | { ok: false; error: CrmError };

type FieldOf<T> = Extract<keyof T, string>;
type StringFieldOf<T> = { [K in keyof T]-?: NonNullable<T[K]> extends string ? K : never }[keyof T] & string;
type PointerFieldOf<T> = { [K in keyof T]-?: Pointer extends NonNullable<T[K]> ? K : never }[keyof T] & string;

/**
 * A query over one class, built fluently. Every method returns a new query; the one it was
 * called on is unchanged and can be reused. Create one with `crm.deals()`, `crm.contacts()`,
 * `crm.companies()` or `crm.activities()`.
 */
export class CrmQuery<T> {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /** The Parse class queried. */
  readonly className: string;
  equalTo<K extends FieldOf<T>>(field: K, value: NonNullable<T[K]>): CrmQuery<T>;
  notEqualTo<K extends FieldOf<T>>(field: K, value: NonNullable<T[K]>): CrmQuery<T>;
  containedIn<K extends FieldOf<T>>(field: K, values: NonNullable<T[K]>[]): CrmQuery<T>;
  notContainedIn<K extends FieldOf<T>>(field: K, values: NonNullable<T[K]>[]): CrmQuery<T>;
  lessThan<K extends FieldOf<T>>(field: K, value: NonNullable<T[K]>): CrmQuery<T>;
  lessThanOrEqualTo<K extends FieldOf<T>>(field: K, value: NonNullable<T[K]>): CrmQuery<T>;
  greaterThan<K extends FieldOf<T>>(field: K, value: NonNullable<T[K]>): CrmQuery<T>;
  greaterThanOrEqualTo<K extends FieldOf<T>>(field: K, value: NonNullable<T[K]>): CrmQuery<T>;
  exists(field: FieldOf<T>): CrmQuery<T>;
  doesNotExist(field: FieldOf<T>): CrmQuery<T>;
  /** Text starting with `text` (taken literally, never as a regular expression). */
  startsWith(field: StringFieldOf<T>, text: string): CrmQuery<T>;
  /** Text containing `text` (taken literally, never as a regular expression). */
  contains(field: StringFieldOf<T>, text: string): CrmQuery<T>;
  /** The pointer in `field` points at an object that `query` matches. */
  matchesQuery<U>(field: PointerFieldOf<T>, query: CrmQuery<U>): CrmQuery<T>;
  doesNotMatchQuery<U>(field: PointerFieldOf<T>, query: CrmQuery<U>): CrmQuery<T>;
  /** Objects matching this query's conditions or `other`'s. Order, limit etc. are this one's. */
  or(other: CrmQuery<T>): CrmQuery<T>;
  /** Objects matching this query's conditions and `other`'s. */
  and(other: CrmQuery<T>): CrmQuery<T>;
  ascending(...fields: FieldOf<T>[]): CrmQuery<T>;
  descending(...fields: FieldOf<T>[]): CrmQuery<T>;
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

/** A change reaching a live subscription. `caughtUp` marks changes found after a reconnect
 * (objects updated, or deleted, while the socket was down) rather than pushed by the server;
 * a caught-up delete carries only the objectId. */
export type LiveEvent<T> =
  | { kind: "create" | "update" | "enter"; object: T; original?: T; caughtUp: boolean }
  | { kind: "delete" | "leave"; object: T | { objectId: string }; original?: T; caughtUp: boolean };

export interface LiveQueryClient {
  /** Calls `handler` for every change matching `query` (Deal and Activity queries). Answers
   * the subscription's id, for `unsubscribe` and `isSubscribed`. */
  subscribe<T extends Deal | Activity>(query: CrmQuery<T>, handler: (event: LiveEvent<T>) => void): number;
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
  rejected?: { code: string; message: string };
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

export interface LocalStore {
  /** Listens to one kind of event; returns a function that removes the listener. */
  on(event: "status", listener: (status: SyncStatus) => void): () => void;
  on(event: "progress", listener: (progress: { done: number; total: number }) => void): () => void;
  on(event: "rejected", listener: (rejected: { op: PendingOp; error: { code: string; message: string } }) => void): () => void;
  on(event: "conflict", listener: (conflict: Conflict) => void): () => void;
}
