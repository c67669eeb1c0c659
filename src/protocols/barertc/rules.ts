import { chatServer, Video, type WhoEntry } from './wire.js';

/**
 * Moderation rules (reference/barertc.md §6.2) and DND (§10, our choice): what a user may not do
 * with cameras and images, from `[[barertc.ModerationRule]]` (by username) merged with the JWT
 * `rules` claim, and the refusals the socket sends.
 */

/** One `[[barertc.ModerationRule]]` entry, as settings.ts parses it. */
export interface ModerationRuleSetting {
  readonly Username: string;
  readonly CameraAlwaysNSFW: boolean;
  readonly NoBroadcast: boolean;
  readonly NoVideo: boolean;
  readonly NoImage: boolean;
  readonly NoDarkVideo: boolean;
}

/** `[barertc.Strings]`: the texts a rule's refusal shows. */
export interface ModerationStrings {
  readonly ModRuleErrorCameraAlwaysNSFW: string;
  readonly ModRuleErrorNoBroadcast: string;
  readonly ModRuleErrorNoVideo: string;
  readonly ModRuleErrorNoImage: string;
}

/** What the socket needs to enforce rules (options.ts builds it from settings). */
export interface ModerationRuleOptions {
  readonly rules: readonly ModerationRuleSetting[];
  readonly strings: ModerationStrings;
}

/** The flags in force for one user. */
export interface ModerationFlags {
  readonly cameraAlwaysNsfw: boolean;
  readonly noBroadcast: boolean;
  readonly noVideo: boolean;
  readonly noImage: boolean;
  readonly noDarkVideo: boolean;
}

/**
 * The flags for `username`: the first settings rule with exactly that name (BareRTC compares
 * names exactly), OR-ed with the JWT `rules` claim (`redcam`, `nobroadcast`, `novideo`,
 * `noimage`, `nodvd`; unknown words ignored). `novideo` implies no broadcasting, as in BareRTC.
 * Unlike BareRTC, the JWT `noimage` is enforced too (§10).
 */
export function moderationFlags(settings: readonly ModerationRuleSetting[], username: string, jwtRules: readonly string[] | undefined): ModerationFlags {
  const rule = settings.find((r) => r.Username === username);
  const jwt = new Set(jwtRules ?? []);
  const noVideo = rule?.NoVideo === true || jwt.has('novideo');
  return {
    cameraAlwaysNsfw: rule?.CameraAlwaysNSFW === true || jwt.has('redcam'),
    noVideo,
    noBroadcast: rule?.NoBroadcast === true || jwt.has('nobroadcast') || noVideo,
    noImage: rule?.NoImage === true || jwt.has('noimage'),
    noDarkVideo: rule?.NoDarkVideo === true || jwt.has('nodvd'),
  };
}

/** What `me` does with a requested `video` under the rules: the video to keep, and what to tell the user. */
export interface CameraRuling {
  readonly video: number;
  /** Frames to send before the who lists change (`cut`, ChatServer notices), in order. */
  readonly frames: readonly unknown[];
  /** Echo `me` with the new video after storing it (the page must learn its camera was turned red). */
  readonly echoMe: boolean;
}

/**
 * BareRTC's `me` rules (§4.3), applied only when the client turns its camera on (Active bit):
 * NoBroadcast (or NoVideo) → `cut`, the NoBroadcast notice and video 0; CameraAlwaysNSFW on a
 * camera that is not red → the NSFW bit set, the notice, and `me` echoed. (BareRTC also sets the
 * NSFW bit on the camera it has just turned off; Parley leaves a turned-off camera at 0.)
 */
export function cameraRuling(flags: ModerationFlags, video: number, strings: ModerationStrings): CameraRuling {
  if ((video & Video.Active) === 0) return { video, frames: [], echoMe: false };
  if (flags.noBroadcast) return { video: 0, frames: [{ action: 'cut' }, chatServer(strings.ModRuleErrorNoBroadcast)], echoMe: false };
  if (flags.cameraAlwaysNsfw && (video & Video.NSFW) === 0) return { video: video | Video.NSFW, frames: [chatServer(strings.ModRuleErrorCameraAlwaysNSFW)], echoMe: true };
  return { video, frames: [], echoMe: false };
}

/**
 * Why a DM to a user with DND on is refused (Parley enforces DND, §10): null when it may go —
 * the target has DND off, or the sender is an operator. `target` is the recipient's who entry
 * (null when they have no BareRTC session: DND is a BareRTC setting, other doors have none).
 */
export function dndRefusal(target: WhoEntry | null, senderIsOp: boolean): string | null {
  if (!target || target.dnd !== true || senderIsOp) return null;
  return `@${target.username} is not accepting direct messages right now.`;
}
