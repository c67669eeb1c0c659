import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { Mailer } from './ports/mailer.js';
import type { PasswordHasher } from './ports/password-hasher.js';
import type { RateLimiter } from './ports/rate-limiter.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import { createAccountService, type AccountService } from './services/account-service.js';
import { createApiKeyService, type ApiKeyService } from './services/api-key-service.js';
import { createBlocklistService, type BlocklistService } from './services/blocklist-service.js';
import { createInviteService, type InviteService, type RegistrationMode } from './services/invite-service.js';
import { createLinkSpamService, type LinkSpamService } from './services/link-spam-service.js';
import { createAccess } from './services/access.js';
import { createAccessEvents, type AccessEvents } from './services/access-events.js';
import { createConversationService, type ConversationService } from './services/conversation-service.js';
import { createFileService, type FileLimits, type FileService, type UploadPolicy } from './services/file-service.js';
import { createMembershipService, type MembershipService } from './services/membership-service.js';
import { createMessageService, type MessageService } from './services/message-service.js';
import { createModerationService, type ModerationService } from './services/moderation-service.js';
import { createPresenceService, type PresenceService } from './services/presence-service.js';
import { createTokenService, type TokenService } from './services/token-service.js';
import { createUserService, type LoginFailedHook, type UserService } from './services/user-service.js';

/** What the core needs from the outside world; every part is a port. */
export interface CoreDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly secrets: Secrets;
  readonly mailer: Mailer;
  readonly limiter: RateLimiter;
  /** Upload limits; default: none. */
  readonly fileLimits?: FileLimits;
  /** Upload concurrency and retention of unsent uploads; default DEFAULT_UPLOAD_POLICY. */
  readonly fileUploads?: UploadPolicy;
  /** Self-registration through the protocols; default open. */
  readonly registration?: RegistrationMode;
  /** Told of every refused password login (fail2ban-ready logs). */
  readonly onLoginFailed?: LoginFailedHook;
}

/** The core's only export surface: what every protocol adapter calls. */
export interface Core {
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly accounts: AccountService;
  readonly conversations: ConversationService;
  readonly memberships: MembershipService;
  readonly messages: MessageService;
  readonly files: FileService;
  readonly apiKeys: ApiKeyService;
  readonly invites: InviteService;
  readonly moderation: ModerationService;
  readonly presence: PresenceService;
  /** Blocklists a website caches for a user before they join (BareRTC /api/blocklist). */
  readonly blocklists: BlocklistService;
  /** BareRTC's DM link-spam counters, shared by every node. */
  readonly linkSpam: LinkSpamService;
  /** Account and ban changes: the database feed each node polls, besides the bus. */
  readonly accessEvents: Pick<AccessEvents, 'poll'>;
  /** Subscribe to every domain event from every node (the gateway's fan-out entry point). */
  readonly events: Pick<Bus, 'subscribe'>;
}

/** Build every service over the given ports; the services share one access checker. */
export function createCore(deps: CoreDeps): Core {
  const access = createAccess(deps.store, deps.clock);
  const accessEvents = createAccessEvents(deps);
  const users = createUserService({ ...deps, accessEvents });
  const tokens = createTokenService({ ...deps, users, accessEvents });
  const messages = createMessageService({ ...deps, access });
  const conversations = createConversationService({ ...deps, access });
  return {
    users,
    tokens,
    accounts: createAccountService({ ...deps, tokens }),
    conversations,
    memberships: createMembershipService({ ...deps, access }),
    messages,
    apiKeys: createApiKeyService(deps),
    invites: createInviteService({ ...deps, users, conversations, tokens }),
    files: createFileService({ ...deps, messages, limits: deps.fileLimits ?? { maxSize: null, extensions: null }, ...(deps.fileUploads ? { uploads: deps.fileUploads } : {}) }),
    moderation: createModerationService({ ...deps, accessEvents }),
    accessEvents,
    presence: createPresenceService(deps),
    blocklists: createBlocklistService(deps),
    linkSpam: createLinkSpamService(deps),
    events: { subscribe: (handler) => deps.bus.subscribe(handler) },
  };
}

/** Re-exported so adapters can type errors without reaching into the core's files. */
export type { ChatError, ErrorCode } from './errors.js';
