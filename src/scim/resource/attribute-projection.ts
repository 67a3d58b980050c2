/**
 * The `attributes` and `excludedAttributes` parameters (RFC 7644 §3.4.2.5, §3.9): comma-separated
 * attribute paths, case-insensitive, with sub-attributes (`name.givenName`) and URN prefixes.
 * `id` (returned "always", RFC 7643 §3.1) and `schemas` are always returned.
 */
import { BadRequestError } from '../../errors/bridge-error';
import { splitAttrPath, wholeExtensionUrn } from '../attribute-path';
import { isPlainObject, setOwn, type JsonObject } from '../json-values';

/** attribute (lower case) -> the whole attribute, or some of its sub-attributes (lower case). */
type Selection = Map<string, true | Set<string>>;

interface SelectionTree {
  core: Selection;
  /** extension URN (lower case) -> the whole extension, or some of its attributes. */
  extensions: Map<string, true | Selection>;
}

const ALWAYS = new Set(['id', 'schemas']);

function select(selection: Selection, names: string[]): void {
  const [attr, sub] = names.map((n) => n.toLowerCase()) as [string, string | undefined];
  const current = selection.get(attr);
  if (current === true) return;
  if (sub === undefined) selection.set(attr, true);
  else selection.set(attr, (current ?? new Set<string>()).add(sub));
}

function parseList(text: string, parameter: string): SelectionTree {
  const tree: SelectionTree = { core: new Map(), extensions: new Map() };
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const whole = wholeExtensionUrn(entry);
    if (whole !== undefined) {
      tree.extensions.set(whole.toLowerCase(), true);
      continue;
    }
    const path = splitAttrPath(entry);
    if (path === undefined) {
      throw new BadRequestError(`${parameter}: '${entry}' is not an attribute path`, 'invalidValue');
    }
    if (path.urn === undefined) {
      select(tree.core, path.names);
      continue;
    }
    const urn = path.urn.toLowerCase();
    const ext = tree.extensions.get(urn);
    if (ext === true) continue;
    const selection: Selection = ext ?? new Map<string, true | Set<string>>();
    select(selection, path.names);
    tree.extensions.set(urn, selection);
  }
  return tree;
}

/** Keeps (include) or drops (exclude) the given sub-attributes of one complex value. */
function filterSubs(value: unknown, subs: Set<string>, include: boolean): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => filterSubs(v, subs, include)).filter((v) => v !== undefined);
  }
  if (!isPlainObject(value)) return include ? undefined : value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (subs.has(k.toLowerCase()) === include) setOwn(out, k, v);
  }
  return out;
}

function applySelection(obj: JsonObject, selection: Selection, include: boolean, keepAlways: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    const lower = key.toLowerCase();
    const chosen = selection.get(lower);
    if (keepAlways && ALWAYS.has(lower)) {
      setOwn(out, key, value);
    } else if (chosen === undefined) {
      if (!include) setOwn(out, key, value);
    } else if (chosen === true) {
      if (include) setOwn(out, key, value);
    } else {
      const filtered = filterSubs(value, chosen, include);
      if (filtered !== undefined) setOwn(out, key, filtered);
    }
  }
  return out;
}

function project(resource: JsonObject, tree: SelectionTree, include: boolean): JsonObject {
  // Extension objects are handled by their own selection; hide them from the core pass.
  const extensionKeys = new Set(Object.keys(resource).filter((k) => /^urn:/i.test(k) && isPlainObject(resource[k])));
  const core: JsonObject = {};
  for (const [k, v] of Object.entries(resource)) if (!extensionKeys.has(k)) setOwn(core, k, v);
  const projected = applySelection(core, tree.core, include, true);
  const out: JsonObject = {};
  for (const key of Object.keys(resource)) {
    if (!extensionKeys.has(key)) {
      if (key in projected) setOwn(out, key, projected[key]);
      continue;
    }
    const chosen = tree.extensions.get(key.toLowerCase());
    const value = resource[key] as JsonObject;
    if (chosen === undefined) {
      if (!include) setOwn(out, key, value);
    } else if (chosen === true) {
      if (include) setOwn(out, key, value);
    } else {
      const part = applySelection(value, chosen, include, false);
      if (Object.keys(part).length > 0) setOwn(out, key, part);
    }
  }
  return out;
}

/**
 * Returns a projected copy of a rendered resource. With both parameters, `attributes` selects
 * first and `excludedAttributes` then removes; excludedAttributes cannot remove id or schemas.
 */
export function projectAttributes(resource: Record<string, unknown>, options: { attributes?: string; excludedAttributes?: string }): Record<string, unknown> {
  let out: JsonObject = resource;
  if (options.attributes !== undefined && options.attributes.trim() !== '') {
    out = project(out, parseList(options.attributes, 'attributes'), true);
  }
  if (options.excludedAttributes !== undefined && options.excludedAttributes.trim() !== '') {
    out = project(out, parseList(options.excludedAttributes, 'excludedAttributes'), false);
  }
  return out === resource ? { ...resource } : out;
}
