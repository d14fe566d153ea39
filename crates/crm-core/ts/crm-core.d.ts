// TypeScript declarations of the crm-core types that cross to JavaScript (models, queries,
// pipeline views, options, sync and live status). crm-wasm publishes them in its .d.ts;
// tests/ts_declarations.rs checks them against the Rust types (fields, optionality, values).

/**
 * A call, e-mail, meeting or note, related to a contact or a deal.
 */
export interface Activity {
    objectId?: string | undefined;
    type?: ActivityType | UnknownActivityType | undefined;
    subject?: string | undefined;
    description?: string | undefined;
    dueDate?: IsoDate | undefined;
    completedAt?: IsoDate | undefined;
    relatedTo?: RelatedTo | undefined;
    createdAt?: IsoDate | undefined;
    updatedAt?: IsoDate | undefined;
    /**
     * Set by the server from the session; a value sent by a client is ignored.
     */
    createdBy?: Ref<User> | undefined;
    ACL?: Acl | undefined;
}

/**
 * A customer organisation.
 */
export interface Company {
    objectId?: string | undefined;
    name: string;
    website?: string | undefined;
    industry?: string | undefined;
    address?: string | undefined;
    notes?: string | undefined;
    createdAt?: IsoDate | undefined;
    updatedAt?: IsoDate | undefined;
    /**
     * Set by the server from the session; a value sent by a client is ignored.
     */
    createdBy?: Ref<User> | undefined;
    ACL?: Acl | undefined;
}

/**
 * A person, usually at a company.
 */
export interface Contact {
    objectId?: string | undefined;
    name: string;
    email?: string | undefined;
    phone?: string | undefined;
    company?: Ref<Company> | undefined;
    notes?: string | undefined;
    createdAt?: IsoDate | undefined;
    updatedAt?: IsoDate | undefined;
    /**
     * Set by the server from the session; a value sent by a client is ignored.
     */
    createdBy?: Ref<User> | undefined;
    ACL?: Acl | undefined;
}

/**
 * A query over one class. `order` holds field names, `-name` for descending (Parse's own
 * notation); `include` names pointer fields to fetch whole; `keys` selects fields.
 */
export interface Query {
    constraints?: Constraint[] | undefined;
    order?: string[] | undefined;
    limit?: number | undefined;
    skip?: number | undefined;
    include?: string[] | undefined;
    keys?: string[] | undefined;
}

/**
 * A reference to an object by class and id, as `{className, objectId}` (JS) or
 * `{"__type":"Pointer", className, objectId}` (wire).
 */
export interface Pointer {
    className: string;
    objectId: string;
}

/**
 * A signed-up user (Parse's `_User`). `email` is only visible to the user themself.
 */
export interface User {
    objectId?: string | undefined;
    username: string;
    email?: string | undefined;
    createdAt?: IsoDate | undefined;
    updatedAt?: IsoDate | undefined;
}

/**
 * An opportunity in the sales pipeline. `createdBy` is not in the product schema: the
 * backend records who created a deal, because the creator keeps access when the deal is
 * assigned to someone else.
 */
export interface Deal {
    objectId?: string | undefined;
    title: string;
    amount?: number | undefined;
    stage?: Stage | UnknownStage | undefined;
    contact?: Ref<Contact> | undefined;
    company?: Ref<Company> | undefined;
    expectedCloseDate?: IsoDate | undefined;
    notes?: string | undefined;
    /**
     * Why a deal was lost (asked for when it moves to `lost`).
     */
    lostReason?: string | undefined;
    assignedTo?: Ref<User> | undefined;
    createdAt?: IsoDate | undefined;
    updatedAt?: IsoDate | undefined;
    /**
     * Set by the server from the session; a value sent by a client is ignored.
     */
    createdBy?: Ref<User> | undefined;
    ACL?: Acl | undefined;
}

/**
 * One column as React shows it.
 */
export interface ColumnSummary {
    stage: Stage | UnknownStage;
    count: number;
    total: number;
    weighted: number;
}

/**
 * One condition on one field.
 */
export type Constraint = { op: "equalTo"; field: string; value: QueryValue } | { op: "notEqualTo"; field: string; value: QueryValue } | { op: "lessThan"; field: string; value: QueryValue } | { op: "lessThanOrEqualTo"; field: string; value: QueryValue } | { op: "greaterThan"; field: string; value: QueryValue } | { op: "greaterThanOrEqualTo"; field: string; value: QueryValue } | { op: "containedIn"; field: string; values: QueryValue[] } | { op: "notContainedIn"; field: string; values: QueryValue[] } | { op: "exists"; field: string } | { op: "doesNotExist"; field: string } | { op: "startsWith"; field: string; text: string; caseInsensitive?: boolean } | { op: "contains"; field: string; text: string; caseInsensitive?: boolean } | { op: "endsWith"; field: string; text: string; caseInsensitive?: boolean } | { op: "matchesQuery"; field: string; query: Query } | { op: "doesNotMatchQuery"; field: string; query: Query } | { op: "or"; queries: Query[] } | { op: "and"; queries: Query[] };

/**
 * Options for `CrmClient`. There is no master key: the client is for browsers.
 */
export interface ClientOptions {
    /**
     * e.g. "http://127.0.0.1:1337/parse"
     */
    serverUrl: string;
    appId: string;
    javascriptKey: string;
    /**
     * Per-request timeout; default 15000.
     */
    timeoutMs?: number | undefined;
    /**
     * How often a request that failed in transport is retried; default 3 (0 turns retries off).
     */
    maxRetries?: number | undefined;
    /**
     * Keep the session in localStorage so a reload stays signed in; default true.
     */
    persistSession?: boolean | undefined;
}

/**
 * Stage probabilities in percent, per known stage (lead … lost). Default 10/25/50/75/100/0.
 */
export interface Probabilities {
    lead: number;
    qualified: number;
    proposal: number;
    negotiation: number;
    won: number;
    lost: number;
    /**
     * For stages outside the known six; default 0.
     */
    other?: number | undefined;
}

/**
 * Statistics over the deals the filter shows.
 */
export interface Stats {
    count: number;
    total: number;
    weighted: number;
    /**
     * won / (won + lost); absent while nothing is closed.
     */
    winRate?: number | undefined;
    /**
     * Mean amount of deals that have one.
     */
    averageDealSize?: number | undefined;
    averageAgeByStage: StageAge[];
    /**
     * Weighted amount by month of expected close, months in order.
     */
    expectedRevenueByMonth: MonthRevenue[];
}

/**
 * What one `sync` did.
 */
export interface SyncReport {
    applied: number;
    rejected: number;
    conflicts: number;
    /**
     * Still queued (rejected ones included).
     */
    pending: number;
    /**
     * Stopped early for lack of a connection.
     */
    offline: boolean;
    /**
     * Stopped early for another reason that keeps every write queued: the code of the error
     * (`INVALID_SESSION` when the session ended, `NOT_SIGNED_IN`); absent otherwise.
     */
    stoppedBy?: CrmErrorCode | undefined;
}

/**
 * Which deals the columns show. Every condition set must hold; an empty filter shows all.
 */
export interface Filter {
    /**
     * User objectIds: deals assigned to any of them.
     */
    assignees?: string[] | undefined;
    companies?: string[] | undefined;
    contacts?: string[] | undefined;
    /**
     * Inclusive; deals without an amount are left out when either bound is set.
     */
    minAmount?: number | undefined;
    maxAmount?: number | undefined;
    /**
     * Expected close on or after this instant.
     */
    closeFrom?: IsoDate | undefined;
    /**
     * Expected close before this instant.
     */
    closeBefore?: IsoDate | undefined;
    /**
     * Text in the title, or in the name of the deal's company or contact where the deal holds
     * them (included), case-insensitive (Unicode lower-casing).
     */
    text?: string | undefined;
    /**
     * Close day before today (see `today`) and not won or lost.
     */
    overdue?: boolean | undefined;
    /**
     * The day `overdue` counts from, as the app stores days (UTC midnight): the user's own
     * day, which the core cannot know. By default the UTC day of the clock. Counted from the
     * clock's instant instead, a deal closing today was overdue in the filter all day while its
     * card said "Closes today".
     */
    today?: IsoDate | undefined;
    /**
     * Not updated for at least this many days.
     */
    staleDays?: number | undefined;
}

/**
 * Who wins a field both this device and someone else changed.
 */
export type ConflictPolicy = "lastWriterWins" | "serverWins";

export interface LiveOptions {
    /**
     * e.g. "ws://127.0.0.1:1337/parse"; default: the client's server URL with ws(s)://.
     */
    url?: string | undefined;
    /**
     * How often to check a quiet connection is alive; default 15000, 0 turns it off.
     */
    heartbeatMs?: number | undefined;
    /**
     * First reconnection delay (doubling, jittered); default 500.
     */
    reconnectBaseMs?: number | undefined;
    /**
     * Longest reconnection delay; default 30000.
     */
    reconnectMaxMs?: number | undefined;
}

export interface LocalOptions {
    /**
     * Who wins a field changed both offline here and on the server; default lastWriterWins.
     */
    conflictPolicy?: ConflictPolicy | undefined;
    /**
     * Replay the queue when the browser comes back online and after each offline write;
     * default true.
     */
    autoSync?: boolean | undefined;
}

export interface MonthRevenue {
    /**
     * "2026-12"
     */
    month: string;
    weighted: number;
    total: number;
    count: number;
}

export interface Sort {
    key: SortKey;
    descending?: boolean | undefined;
}

export interface StageAge {
    stage: Stage | UnknownStage;
    /**
     * Mean days since creation of the column's deals that have a createdAt.
     */
    averageAgeDays?: number | undefined;
}

export interface SyncStatus {
    state: SyncState;
    /**
     * Writes waiting for the server (rejected ones included).
     */
    pending: number;
}

export type LiveEventKind = "create" | "update" | "delete" | "enter" | "leave";

export type LiveStatus = "connecting" | "connected" | "disconnected" | "closed";

export type SortKey = "expectedCloseDate" | "updatedAt" | "amount" | "title";

export type SyncState = "idle" | "syncing" | "offline" | "error" | "closed";

/**
 * One global-search result, ready to show: `title` is the name (or the deal's title), `detail`
 * a line under it (e-mail, phone, company; a deal's company and contact).
 */
export interface SearchHit {
    className: SearchKind;
    objectId: string;
    title: string;
    detail: string;
    score: number;
}

/**
 * The classes global search holds.
 */
export type SearchKind = "Deal" | "Contact" | "Company";

/**
 * Every `code` a `CrmError` can carry (the Rust `crm_core::error::CODES`, checked by a test).
 */
export type CrmErrorCode = "MISSING_FIELD" | "INVALID_FIELD" | "INVALID_INPUT" | "NOT_SIGNED_IN" | "NETWORK_ERROR" | "TIMEOUT" | "MALFORMED_RESPONSE" | "OBJECT_NOT_FOUND" | "PERMISSION_DENIED" | "INVALID_SESSION" | "INVALID_CREDENTIALS" | "ACCOUNT_LOCKED" | "RATE_LIMITED" | "QUOTA_EXCEEDED" | "USERNAME_TAKEN" | "EMAIL_TAKEN" | "EMAIL_NOT_FOUND" | "VALIDATION_FAILED" | "DUPLICATE_VALUE" | "DUPLICATE_REQUEST" | "INVALID_QUERY" | "UNAUTHORIZED" | "SERVER_ERROR" | "HTTP_ERROR" | "STORAGE_ERROR" | "CLOSED" | "FREED" | "NOT_INITIALISED";
