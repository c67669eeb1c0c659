import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { PasswordHasher } from './ports/password-hasher.js';
import type { Store } from './ports/store.js';
import { createAccess } from './services/access.js';
import { createConversationService, type ConversationService } from './services/conversation-service.js';
import { createMessageService, type MessageService } from './services/message-service.js';
import { createModerationService, type ModerationService } from './services/moderation-service.js';
import { createPresenceService, type PresenceService } from './services/presence-service.js';
import { createUserService, type UserService } from './services/user-service.js';

/** What the core needs from the outside world; every part is a port. */
export interface CoreDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
}

/** The core's only export surface: what every protocol adapter calls. */
export interface Core {
  readonly users: UserService;
  readonly conversations: ConversationService;
  readonly messages: MessageService;
  readonly moderation: ModerationService;
  readonly presence: PresenceService;
  /** Subscribe to every domain event from every node (the gateway's fan-out entry point). */
  readonly events: Pick<Bus, 'subscribe'>;
}

export function createCore(deps: CoreDeps): Core {
  const access = createAccess(deps.store, deps.clock);
  return {
    users: createUserService(deps),
    conversations: createConversationService({ ...deps, access }),
    messages: createMessageService({ ...deps, access }),
    moderation: createModerationService(deps),
    presence: createPresenceService(deps),
    events: { subscribe: (handler) => deps.bus.subscribe(handler) },
  };
}

export type { ChatError, ErrorCode } from './errors.js';
