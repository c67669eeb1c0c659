import { createHash } from 'node:crypto';

/**
 * The links of a DM, for BareRTC's DM link-spam protection (reference/barertc.md §6.2, later
 * versions): web addresses with or without a scheme (`https://x.io/a`, `www.x.io`, `x.io/a`).
 * Parley compares them normalised — scheme, `www.` and trailing punctuation dropped, the host
 * lower-cased — so the same link counts once however it was pasted (BareRTC compared the exact
 * text). The core keeps only a digest of each (linkDigests).
 */
const LINK = /(?:\bhttps?:\/\/)?\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})\b((?::\d{1,5})?(?:[/?#][^\s<>"'`]*)?)/gi;

/** What a link-spam case leaves the sender and the website (texts as BareRTC's). */
export const LINK_SPAM_KICK =
  '<strong>Spam Detected:</strong> You have pasted the same URL link to too many different people in a row, and this has been flagged as spam.<br><br>' +
  'You will now be kicked from the chat room. You may refresh and log back in, however, if you continue to spam this link one more time, you <strong>will be temporarily banned from the chat room.</strong>';
export const LINK_SPAM_BAN =
  '<strong>Spam Detected:</strong> You recently were kicked from the chat room because you had already pasted this link to too many different people. ' +
  'You were warned that spamming this link one more time would result in a temporary ban from the chat room.<br><br><strong>You are now (temporarily) banned from the chat room.</strong>';

/** The distinct normalised links of a text, in order of first appearance. */
export function linksOf(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(LINK)) {
    const host = (m[1] ?? '').toLowerCase().replace(/^www\./, '');
    const rest = (m[2] ?? '').replace(/[.,;:!?)\]}]+$/, '').replace(/\/$/, '');
    if (host !== '') out.add(host + rest);
  }
  return [...out];
}

/** SHA-256 digests (hex) of the text's links, as the core stores them. */
export const linkDigests = (text: string): string[] => linksOf(text).map((l) => createHash('sha256').update(l).digest('hex'));
