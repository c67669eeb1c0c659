import sharp from 'sharp';

/**
 * Images shared in chat (reference/barertc.md §4.3 `file`, §4.8, §10): checked, cleaned and
 * turned into the `<img src="data:…">` HTML that BareRTC delivers as an ordinary `message`.
 * Nothing here touches disk or the message store: images are far over the 65,535-character text
 * limit, and BareRTC never stores them either (not even in DM history).
 */

/** The sizes from settings: MaxImageWidth (the kept image) and PreviewImageWidth (the shown one). */
export interface ImageSizes {
  readonly maxWidth: number;
  readonly previewWidth: number;
}

/** What `processImage` gives: the HTML to send, or the ChatServer text saying why not. */
export type ProcessedImage = { readonly ok: true; readonly html: string } | { readonly ok: false; readonly error: string };

/** BareRTC's answer to a name that is not a jpeg, GIF or png. */
export const UNSUPPORTED_TYPE = 'Unsupported image type, should be a jpeg, GIF or png.';
/** Parley's answer to bytes that do not decode as the image their name says. */
export const UNREADABLE_IMAGE = 'That file could not be read as an image. Please share a jpeg, GIF or png picture.';
/** Parley's answer to a `bytes` field that is neither base64 nor an array of byte values. */
export const BAD_BYTES = 'Could not share that picture: its bytes were not sent as base64 or as an array of byte values.';

/**
 * The most pixels an image may have before sharp refuses to decode it: a decompression bomb (a
 * tiny PNG of enormous dimensions) must not cost gigabytes. 50 MP covers any phone camera's
 * ordinary output (8660×5773); the socket's read limit already caps the encoded size.
 */
export const MAX_INPUT_PIXELS = 50_000_000;

type Kind = 'jpeg' | 'png' | 'gif';
const KIND_BY_EXTENSION: Readonly<Record<string, Kind>> = { '.jpg': 'jpeg', '.jpeg': 'jpeg', '.png': 'png', '.gif': 'gif' };

/** The kind a file name's extension names (case-insensitive), or null when it is none of BareRTC's three. */
export function imageKindOf(fileName: string): Kind | null {
  const dot = fileName.lastIndexOf('.');
  // Like Go's filepath.Ext: the extension is after the last dot of the last path element.
  if (dot < 0 || fileName.slice(dot).includes('/')) return null;
  return KIND_BY_EXTENSION[fileName.slice(dot).toLowerCase()] ?? null;
}

/**
 * The `bytes` field as bytes: a base64 string (standard alphabet, padding optional, as Go's JSON
 * decoder of []byte accepts) or a JSON array of integers 0–255 (what the chat page sends). Null
 * for anything else, and for no bytes at all.
 */
export function bytesOf(value: unknown): Buffer | null {
  if (typeof value === 'string') {
    if (value === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.replace(/=+$/, '').length % 4 === 1) return null;
    return Buffer.from(value, 'base64');
  }
  if (Array.isArray(value) && value.length > 0) {
    const out = Buffer.allocUnsafe(value.length);
    for (let i = 0; i < value.length; i++) {
      const b: unknown = value[i];
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) return null;
      out[i] = b;
    }
    return out;
  }
  return null;
}

/**
 * Check and clean one shared image. The name's extension must be .jpg/.jpeg/.gif/.png (BareRTC's
 * rule and text). JPEG and PNG are decoded, turned upright from their EXIF orientation, stripped
 * of all metadata (EXIF with its GPS position, XMP, ICC, comments), scaled down (never up) so the
 * longest side fits MaxImageWidth as BareRTC does, and re-encoded in the format the name says.
 * GIFs pass through byte for byte (re-encoding breaks animations, as BareRTC notes) but must
 * decode as a GIF. Bytes that do not decode give UNREADABLE_IMAGE, never an exception.
 *
 * The HTML is BareRTC's: the data URL, `width`/`height` of the image scaled to fit
 * PreviewImageWidth (longest side, aspect kept, never enlarged), and the click-to-zoom hook.
 */
export async function processImage(bytes: Buffer, fileName: string, sizes: ImageSizes): Promise<ProcessedImage> {
  const kind = imageKindOf(fileName);
  if (kind === null) return { ok: false, error: UNSUPPORTED_TYPE };
  try {
    const input = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' } as const;
    if (kind === 'gif') {
      const meta = await sharp(bytes, input).metadata();
      if (meta.format !== 'gif' || !meta.width || !meta.height) return { ok: false, error: UNREADABLE_IMAGE };
      // Decode the first frame too: a valid header in front of garbage is not a picture.
      await sharp(bytes, input).raw().toBuffer();
      return { ok: true, html: imgHtml('image/gif', bytes, preview(meta.width, meta.pageHeight ?? meta.height, sizes.previewWidth)) };
    }
    const pipeline = sharp(bytes, input)
      .autoOrient()
      .resize({ width: sizes.maxWidth, height: sizes.maxWidth, fit: 'inside', withoutEnlargement: true });
    // A transparent picture named .jpg is laid on white rather than on JPEG's default black.
    const { data, info } = await (kind === 'jpeg' ? pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 90 }) : pipeline.png()).toBuffer({ resolveWithObject: true });
    return { ok: true, html: imgHtml(kind === 'jpeg' ? 'image/jpeg' : 'image/png', data, preview(info.width, info.height, sizes.previewWidth)) };
  } catch {
    // sharp's message names libvips internals; the user only needs to know the file was not usable.
    return { ok: false, error: UNREADABLE_IMAGE };
  }
}

/** The preview size: the longest side brought down to `max` (truncated, as BareRTC), aspect kept, never enlarged. */
export function preview(width: number, height: number, max: number): { width: number; height: number } {
  const longest = Math.max(width, height);
  if (longest <= max) return { width, height };
  const scale = (side: number) => Math.max(1, Math.floor((side / longest) * max));
  return width >= height ? { width: max, height: scale(height) } : { width: scale(width), height: max };
}

function imgHtml(mime: string, data: Buffer, size: { width: number; height: number }): string {
  return `<img src="data:${mime};base64,${data.toString('base64')}" width="${size.width}" height="${size.height}" onclick="setModalImage(this.src)" style="cursor: pointer">`;
}

/**
 * The channel an encoded image broadcast is for, so VIP channels can be kept to VIPs (framesFor).
 * Read from the frame's head only: the image makes the whole frame megabytes long, and this runs
 * once per recipient.
 */
export function broadcastChannelOf(encoded: string): string | null {
  const m = /^\{"action":"message","channel":("(?:[^"\\]|\\.)*")/.exec(encoded.slice(0, 1024));
  if (!m?.[1]) return null;
  try {
    return JSON.parse(m[1]) as string;
  } catch {
    return null;
  }
}
