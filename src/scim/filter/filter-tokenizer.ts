/**
 * Our own tokenizer for SCIM filters (RFC 7644 §3.4.2.2), producing the token type of
 * scim2-parse-filter so its parser can be reused. We do not use the library's tokenizer because:
 *
 * - its string pattern `"(?:[^"\\]|\\.|\n)*"` backtracks exponentially on an unterminated string
 *   full of newlines (a 40-character filter can take hours);
 * - it doubles every backslash not followed by a quote, so `"a\\b"` and `"a\nb"` decode wrongly;
 * - it cannot read `$ref` (RFC 7643 §2.4) as an attribute name.
 *
 * This scanner is a single linear pass. It also rewrites a value path followed by a sub-attribute,
 * `emails[type eq "work"].value eq "x"` (sent by Entra ID), into
 * `emails[(type eq "work") and value eq "x"]`: the library would otherwise turn it into
 * `emails[type eq "work"] and emails.value eq "x"`, which matches when *some other* email is "x".
 */
import type { Token } from 'scim2-parse-filter/lib/src/parser';
import { InvalidFilterError } from '../../errors/bridge-error';

export type { Token };

/** Generous for 64 nodes (RFC filters need about 4 tokens per node), small enough to bound work. */
export const MAX_FILTER_TOKENS = 512;
export const MAX_FILTER_DEPTH = 16;

const COMPARE_OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const WORD_START = /[A-Za-z$]/;
const WORD_CHAR = /[\w$.:/%-]/;

function readString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) return i + 1;
    if (c < 0x20) {
      throw new InvalidFilterError(`Control character in the quoted string at position ${start + 1}`);
    }
    i += c === 0x5c /* \ */ ? 2 : 1;
  }
  throw new InvalidFilterError(`Unterminated quoted string starting at position ${start + 1}`);
}

function scan(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
    } else if (c === '(' || c === ')' || c === '[') {
      tokens.push({ type: 'Bracket', literal: c });
      i += 1;
    } else if (c === ']') {
      const dotted = text[i + 1] === '.';
      tokens.push({ type: 'Bracket', literal: dotted ? '].' : ']' });
      i += dotted ? 2 : 1;
    } else if (c === '"') {
      const end = readString(text, i);
      const literal = text.slice(i, end);
      try {
        JSON.parse(literal);
      } catch {
        throw new InvalidFilterError(`Invalid escape in the quoted string starting at position ${i + 1}`);
      }
      tokens.push({ type: 'Quoted', literal });
      i = end;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      const end = m ? i + m[0].length : i;
      if (!m || (end < text.length && WORD_CHAR.test(text[end]))) {
        // Most often an unquoted dateTime: RFC 7644 §3.4.2.2 compares dateTimes as JSON strings.
        let stop = i + 1;
        while (stop < text.length && WORD_CHAR.test(text[stop])) stop += 1;
        throw new InvalidFilterError(
          `Invalid number '${text.slice(i, Math.min(stop, i + 64))}' at position ${i + 1} (quote strings and dateTimes, e.g. "2024-01-31T00:00:00Z")`,
        );
      }
      tokens.push({ type: 'Number', literal: m[0] });
      i = end;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < text.length && WORD_CHAR.test(text[end])) end += 1;
      const word = text.slice(i, end);
      // JSON literals are lower case, but clients send "True" as they do "EQ"; be as lenient.
      const literal = /^(true|false|null)$/i.test(word) ? word.toLowerCase() : word;
      tokens.push({ type: 'Word', literal });
      i = end;
    } else {
      throw new InvalidFilterError(`Unexpected character '${c}' at position ${i + 1}`);
    }
    if (tokens.length > MAX_FILTER_TOKENS) {
      throw new InvalidFilterError(`Filter is too complex (more than ${MAX_FILTER_TOKENS} tokens)`);
    }
  }
  return tokens;
}

/**
 * Checks balance and depth, and rewrites `attr[filter].sub op value` as described above.
 * Balance errors are reported here because the library's messages for them are cryptic.
 */
function rewriteValuePaths(input: Token[]): Token[] {
  const out: Token[] = [];
  const open: { literal: '(' | '['; index: number }[] = [];
  let i = 0;
  while (i < input.length) {
    const t = input[i];
    i += 1;
    if (t.type !== 'Bracket') {
      out.push(t);
      continue;
    }
    if (t.literal === '(' || t.literal === '[') {
      open.push({ literal: t.literal, index: out.length });
      if (open.length > MAX_FILTER_DEPTH) {
        throw new InvalidFilterError(`Filter is nested too deeply (more than ${MAX_FILTER_DEPTH} levels)`);
      }
      out.push(t);
      continue;
    }
    const expected = t.literal === ')' ? '(' : '[';
    const top = open.pop();
    if (top === undefined || top.literal !== expected) {
      throw new InvalidFilterError(`Unbalanced '${t.literal[0]}' in filter`);
    }
    if (t.literal !== '].') {
      out.push(t);
      continue;
    }
    // attr[valFilter].sub op value  ->  attr[(valFilter) and sub op value]
    const sub = input[i];
    const op = input[i + 1];
    if (sub?.type !== 'Word' || /[.:]/.test(sub.literal) || op?.type !== 'Word') {
      throw new InvalidFilterError("Expected a sub-attribute and an operator after ']. '");
    }
    const opName = op.literal.toLowerCase();
    let tail: Token[];
    if (opName === 'pr') {
      tail = [sub, op];
    } else if (COMPARE_OPS.has(opName) && input[i + 2] !== undefined) {
      tail = [sub, op, input[i + 2]];
    } else {
      throw new InvalidFilterError(`Unknown operator '${op.literal}' after '${sub.literal}'`);
    }
    i += tail.length;
    out.splice(top.index + 1, 0, { type: 'Bracket', literal: '(' });
    out.push({ type: 'Bracket', literal: ')' }, { type: 'Word', literal: 'and' }, ...tail, { type: 'Bracket', literal: ']' });
  }
  if (open.length > 0) {
    throw new InvalidFilterError(`Unbalanced '${open[open.length - 1]?.literal}' in filter`);
  }
  return out;
}

/** Tokens ready for scim2-parse-filter's parser, ending with its EOT token. */
export function tokenizeFilter(text: string): Token[] {
  return [...rewriteValuePaths(scan(text)), { type: 'EOT', literal: '' }];
}
