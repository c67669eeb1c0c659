import type { Generated } from 'kysely';

/*
 * Row shapes as both SQL dialects return them (STYLE.md §5 "Storage"). Booleans are integer
 * 0/1 on both dialects so one mapper serves both; timestamps are Unix milliseconds in bigint
 * columns, which the PostgreSQL dialect parses into JS numbers (sql-dialects/postgres.ts).
 */

/** `users`: one row per account. */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** `username` lowercased; its UNIQUE index makes usernames unique case-insensitively. */
  username_key: string;
  display_name: string;
  email: string | null;
  email_verified: number;
  password_hash: string | null;
  is_operator: number;
  is_bot: number;
  is_disabled: number;
  created_at: number;
  /** Bumped when every credential of the account must stop working (0012). */
  token_generation: Generated<number>;
  /** User.source (0016): 'local', 'website' or 'guest'. */
  source: Generated<string>;
}

/** `conversations`: rooms, direct conversations and groups. Room names are unique among rooms. */
export interface ConversationsTable {
  id: Generated<number>;
  kind: string;
  name: string | null;
  title: string;
  created_at: number;
  /** "<smaller user id>:<larger user id>" for a direct conversation both are in; else null (0003). */
  direct_key: string | null;
  /** The stored file shown as the conversation's avatar (0008). */
  avatar_file_id: string | null;
}

/** `memberships`: who belongs to which conversation; PK (conversation_id, user_id). */
export interface MembershipsTable {
  conversation_id: number;
  user_id: number;
  role: string;
  /** 0 when the member has read nothing. */
  last_read_message_id: number;
  /** Messages up to this id are hidden from this member (history cleared for itself; 0005). */
  cleared_through_id: Generated<number>;
  joined_at: number;
}

/** `messages`: `id` is one server-wide, strictly increasing sequence. */
export interface MessagesTable {
  id: Generated<number>;
  conversation_id: number;
  author_id: number;
  text: string;
  format: string;
  reply_to_id: number | null;
  /** Unique per author when not null (idempotent retries). */
  client_id: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  /** The attached file, denormalised so history reads need no join (0004); all null when none. */
  attachment_file_id: string | null;
  attachment_name: string | null;
  attachment_size: number | null;
  attachment_mime: string | null;
  /** The message this one forwards (0006). */
  forward_of_id: number | null;
  /** A survey card as JSON (0009). */
  survey_json: string | null;
}

/** `invites`: invitation tokens and what using them does (0011). */
export interface InvitesTable {
  token: string;
  kind: string;
  username: string | null;
  inviter_id: number | null;
  groups_json: string;
  roles_json: string;
  reusable: number;
  source: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** `api_keys`: invite-API keys, the secret only as a keyed hash (0010). */
export interface ApiKeysTable {
  id: string;
  secret_hash: string;
  name: string | null;
  created_at: number;
}

/** `hidden_messages`: messages one user removed for itself only (0007). */
export interface HiddenMessagesTable {
  user_id: number;
  message_id: number;
}

/** `files`: stored uploads (0004). */
export interface FilesTable {
  id: string;
  /** The single-use id an upload answers with, until a message takes the file. */
  temporal_id: string | null;
  name: string;
  size: number;
  mime_type: string;
  data: Uint8Array;
  uploader_id: number;
  created_at: number;
}

/** `upload_tasks`: permission to upload one file of a declared size (0004). */
export interface UploadTasksTable {
  id: string;
  user_id: number;
  file_name: string;
  file_size: number;
  created_at: number;
  used_at: number | null;
}

/** `relations`: mutes and blocks; PK (owner_id, target_id, kind). */
export interface RelationsTable {
  owner_id: number;
  target_id: number;
  kind: string;
}

/**
 * `bans`: PK (user_id, conversation_id). A server-wide ban stores conversation_id 0, because a
 * nullable column cannot be part of a primary key (and NULLs would not collide in a UNIQUE index).
 */
export interface BansTable {
  user_id: number;
  conversation_id: number;
  reason: string;
  /** Unix milliseconds; null = permanent. */
  until: number | null;
}

/** `online_sessions`: the live-connection registry shared by every node. */
export interface OnlineSessionsTable {
  id: string;
  user_id: number;
  node_id: string;
  protocol: string;
  connected_at: number;
  /** JSON of the session's public state (0015); null when its protocol keeps none. */
  state_json: string | null;
}

/** `cached_blocklists`: a website's blocklist for a user who has not joined yet (0017). */
export interface CachedBlocklistsTable {
  username_key: string;
  names_json: string;
  updated_at: number;
}

/** `link_spam_sends`: a link (digest) a user sent into a DM thread, and when (0019). */
export interface LinkSpamSendsTable {
  user_id: number;
  link_hash: string;
  /** The other party's username key. */
  thread: string;
  sent_at: number;
}

/** `link_spam_warnings`: when a user was warned (kicked) for spamming a link (0019). */
export interface LinkSpamWarningsTable {
  user_id: number;
  link_hash: string;
  warned_at: number;
}

/** `nodes`: each node's last heartbeat. */
export interface NodesTable {
  id: string;
  /** Unix milliseconds of the node's last heartbeat. */
  last_seen: number;
}

/** `access_tokens`: keyed hashes of access tokens; PK hash. Deleted with their user. */
export interface AccessTokensTable {
  hash: string;
  user_id: number;
  /** The refresh-token family it was issued with. */
  family_id: string;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

/** `refresh_tokens`: keyed hashes of refresh tokens; PK hash. Deleted with their user. */
export interface RefreshTokensTable {
  hash: string;
  user_id: number;
  family_id: string;
  expires_at: number;
  revoked_at: number | null;
  /** Set when exchanged for its successor; null on the family's current token. */
  rotated_at: number | null;
  created_at: number;
}

/** `email_codes`: hashed e-mail verification codes; only a user's newest row can be valid. */
export interface EmailCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

/** `reset_tokens`: keyed hashes of password-reset tokens; PK hash, usable once. */
export interface ResetTokensTable {
  hash: string;
  user_id: number;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** `email_subscribers`: the release-notification mailing list. */
export interface EmailSubscribersTable {
  id: Generated<number>;
  /** As given by the subscriber. */
  email: string;
  /** `email` lowercased; its UNIQUE index makes addresses unique case-insensitively. */
  email_key: string;
  subscribed_at: number;
}

/** `access_events`: account and ban changes every node applies to its live sessions (0012). */
export interface AccessEventsTable {
  seq: Generated<number>;
  /** 'revoked' (generation), 'family_revoked' (family_id) or 'banned' (conversation_id; null = server-wide). */
  kind: string;
  user_id: number;
  generation: number | null;
  family_id: string | null;
  conversation_id: number | null;
  /** Unix milliseconds. */
  at: number;
}

/** The Kysely database type: one entry per table. */
export interface Database {
  users: UsersTable;
  conversations: ConversationsTable;
  memberships: MembershipsTable;
  messages: MessagesTable;
  relations: RelationsTable;
  bans: BansTable;
  online_sessions: OnlineSessionsTable;
  cached_blocklists: CachedBlocklistsTable;
  link_spam_sends: LinkSpamSendsTable;
  link_spam_warnings: LinkSpamWarningsTable;
  nodes: NodesTable;
  files: FilesTable;
  hidden_messages: HiddenMessagesTable;
  api_keys: ApiKeysTable;
  invites: InvitesTable;
  upload_tasks: UploadTasksTable;
  access_tokens: AccessTokensTable;
  refresh_tokens: RefreshTokensTable;
  email_codes: EmailCodesTable;
  reset_tokens: ResetTokensTable;
  email_subscribers: EmailSubscribersTable;
  access_events: AccessEventsTable;
}
