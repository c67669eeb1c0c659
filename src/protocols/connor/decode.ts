/**
 * How the original decodes a writer's frame (reference/connor.md §8.3–§8.4): gorilla's
 * `ReadJSON` runs Go's `json.Decoder` over the frame (text or binary) into
 * `struct { Sender User; Text string; CreateTime int64 }`. So: only the first JSON value counts
 * (trailing bytes are ignored); keys match case-insensitively; `null` leaves a field empty;
 * unknown keys are ignored; a known key of the wrong type ends the connection.
 */
export function decodeText(data: Buffer): string | undefined {
  const first = firstJsonValue(data.toString('utf8'));
  if (first === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(first);
  } catch {
    return undefined;
  }
  if (value === null) return '';
  if (!isObject(value)) return undefined;
  const text = field(value, 'text');
  const sender = field(value, 'sender');
  const createTime = field(value, 'createtime');
  if (text !== undefined && text !== null && typeof text !== 'string') return undefined;
  if (createTime !== undefined && createTime !== null && !(typeof createTime === 'number' && Number.isInteger(createTime))) return undefined;
  if (sender !== undefined && sender !== null && !isUser(sender)) return undefined;
  return typeof text === 'string' ? text : '';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's rule: an exact key match wins, else the last case-insensitive match. */
function field(obj: Record<string, unknown>, lowerName: string): unknown {
  let found: unknown;
  for (const [k, v] of Object.entries(obj)) {
    if (k.toLowerCase() === lowerName) found = v;
  }
  return found;
}

/** `User { ID int; Username string }` (null fields allowed). */
function isUser(v: unknown): boolean {
  if (!isObject(v)) return false;
  const id = field(v, 'id');
  const username = field(v, 'username');
  return (id === undefined || id === null || (typeof id === 'number' && Number.isInteger(id))) && (username === undefined || username === null || typeof username === 'string');
}

/** The text of the first JSON value in `s` (leading whitespace skipped), or undefined. */
function firstJsonValue(s: string): string | undefined {
  let i = 0;
  while (i < s.length && ' \t\r\n'.includes(s[i]!)) i++;
  const start = i;
  const open = s[i];
  if (open !== '{' && open !== '[') {
    const m = /^(null|true|false|-?\d+(\.\d+)?([eE][+-]?\d+)?|"(\\.|[^"\\])*")/.exec(s.slice(i));
    return m?.[0];
  }
  let depth = 0;
  let inString = false;
  for (; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return s.slice(start, i + 1);
    }
  }
  return undefined;
}
