/**
 * PATCH paths (RFC 7644 §3.5.2): PATH = attrPath / valuePath [subAttr], e.g. `displayName`,
 * `name.givenName`, `urn:…:enterprise:2.0:User:department`, `members[value eq "…"]`,
 * `emails[type eq "work"].value`. Parsed here once, so that no client text reaches scim-patch's
 * own path regexes (which split on the last colon anywhere, filter values included).
 */
import type { Filter } from 'scim2-parse-filter';
import { BadRequestError } from '../../errors/bridge-error';
import { findAttribute, findSubAttribute, type AttributeDefinition } from '../schema/attribute-definitions';
import { isAttrName, splitAttrPath, wholeExtensionUrn } from '../attribute-path';
import { parseFilter } from '../filter/filter';
import { MAX_STRING_LENGTH } from '../input-limits';
import { findKey, isPlainObject, setOwn, type JsonObject } from '../json-values';

export interface PatchTarget {
  /** Extension URN holding the attribute; undefined for core attributes and whole extensions. */
  urn?: string;
  /** The attribute as written; for a whole extension, the URN itself (a top-level key). */
  attribute: string;
  subAttribute?: string;
  /** The value selection filter of a valuePath, evaluated relative to each element. */
  filter?: Filter;
}

function invalidPath(path: string, why: string): BadRequestError {
  return new BadRequestError(`Invalid path '${path.slice(0, 200)}': ${why}`, 'invalidPath');
}

/** Index of the `]` closing the `[` at `open`, skipping quoted strings; -1 when there is none. */
function closingBracket(text: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i += 1;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ']') {
      return i;
    }
  }
  return -1;
}

export function parsePatchPath(path: string): PatchTarget {
  const text = path.trim();
  if (text.length > MAX_STRING_LENGTH) throw invalidPath(path, 'too long');
  const whole = wholeExtensionUrn(text);
  if (whole !== undefined) return { attribute: whole };
  const open = text.indexOf('[');
  if (open < 0) {
    const parsed = splitAttrPath(text);
    if (parsed === undefined) throw invalidPath(path, 'not an attribute path');
    const [attribute, subAttribute] = parsed.names as [string, string | undefined];
    return { urn: parsed.urn, attribute, subAttribute };
  }
  const close = closingBracket(text, open);
  if (close < 0) throw invalidPath(path, "missing ']'");
  const head = text.slice(0, open);
  const parsed = splitAttrPath(head);
  if (parsed === undefined || parsed.names.length !== 1) throw invalidPath(path, 'not an attribute path before [');
  const tail = text.slice(close + 1);
  if (tail !== '' && !(tail.startsWith('.') && isAttrName(tail.slice(1)))) {
    throw invalidPath(path, "expected '.subAttribute' or nothing after ']'");
  }
  // Parsed as the filter `head[...]`, so the value-path rules (no nesting, no URNs inside) apply.
  const valuePath = parseFilter(text.slice(0, close + 1));
  if (valuePath.op !== '[]') throw invalidPath(path, 'not a value path');
  return {
    urn: parsed.urn,
    attribute: parsed.names[0],
    subAttribute: tail === '' ? undefined : tail.slice(1),
    filter: valuePath.valFilter,
  };
}

/** The definition of the targeted attribute, when we know it. */
export function definitionOf(kind: 'User' | 'Group', target: PatchTarget): AttributeDefinition | undefined {
  return target.urn === undefined && target.attribute.toLowerCase().startsWith('urn:') ? undefined : findAttribute(kind, target.attribute, target.urn);
}

export function subDefinitionOf(kind: 'User' | 'Group', target: PatchTarget): AttributeDefinition | undefined {
  return target.subAttribute === undefined ? undefined : findSubAttribute(definitionOf(kind, target), target.subAttribute);
}

/**
 * The object holding the attribute: the resource, or its extension object. With `create`, a
 * missing extension object is added; otherwise undefined is returned for it.
 */
export function containerOf(doc: JsonObject, target: PatchTarget, create: boolean): JsonObject | undefined {
  if (target.urn === undefined) return doc;
  const key = findKey(doc, target.urn) ?? target.urn;
  const existing = doc[key];
  if (isPlainObject(existing)) return existing;
  if (!create) return undefined;
  const made: JsonObject = {};
  setOwn(doc, key, made);
  return made;
}

/** The key to use in `container`: the existing spelling, else the schema's, else as written. */
export function keyOf(kind: 'User' | 'Group', container: JsonObject, target: PatchTarget): string {
  return findKey(container, target.attribute) ?? definitionOf(kind, target)?.name ?? target.attribute;
}

/** Same for a sub-attribute inside `parent` (an object or any element of an array). */
export function subKeyOf(kind: 'User' | 'Group', parent: unknown, target: PatchTarget): string {
  const sub = target.subAttribute as string;
  const elements = Array.isArray(parent) ? parent : [parent];
  for (const e of elements) {
    const found = isPlainObject(e) ? findKey(e, sub) : undefined;
    if (found !== undefined) return found;
  }
  return subDefinitionOf(kind, target)?.name ?? sub;
}
