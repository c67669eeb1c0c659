import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { Mailer } from './ports/mailer.js';
import type { PasswordHasher } from './ports/password-hasher.js';
import type { RateLimiter } from './ports/rate-limiter.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import { createAccountService, type AccountService } from './services/account-service.js';
import { createApiKeyService, type ApiKeyService } from './services/api-key-service.js';
import { createInviteService, type InviteService, type RegistrationMode } from './services/invite-service.js';
import { createAccess } from './services/access.js';
import { createConversationService, type ConversationService } from './services/conversation-service.js';
import { createFileService, type FileLimits, type FileService } from './services/file-service.js';
import { createMembershipService, type MembershipService } from './services/membership-service.js';
import { createMessageService, type MessageService } from './services/message-service.js';
import { createModerationService, type ModerationService } from './services/moderation-service.js';
import { createPresenceService, type PresenceService } from './services/presence-service.js';
import { createTokenService, type TokenService } from './services/token-service.js';
import { createUserService, type UserService } from './services/user-service.js';

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
  /** Self-registration through the protocols; default open. */
  readonly registration?: RegistrationMode;
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
  /** Subscribe to every domain event from every node (the gateway's fan-out entry point). */
  readonly events: Pick<Bus, 'subscribe'>;
}

/** Build every service over the given ports; the services share one access checker. */
export function createCore(deps: CoreDeps): Core {
  const access = createAccess(deps.store, deps.clock);
  const users = createUserService(deps);
  const tokens = createTokenService({ ...deps, users });
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
    invites: createInviteService({ ...deps, users, conversations }),
    files: createFileService({ ...deps, messages, limits: deps.fileLimits ?? { maxSize: null, extensions: null } }),
    moderation: createModerationService(deps),
    presence: createPresenceService(deps),
    events: { subscribe: (handler) => deps.bus.subscribe(handler) },
  };
}

/** Re-exported so adapters can type errors without reaching into the core's files. */
export type { ChatError, ErrorCode } from './errors.js';
