/**
 * attrPath = [URI ":"] ATTRNAME *1subAttr (RFC 7644 §3.10, RFC 7643 §2.1). Shared by filters,
 * PATCH paths and the attributes/excludedAttributes parameters.
 */
import { isForbiddenKey } from './json-values';
import { SCHEMA_GROUP, SCHEMA_USER, canonicalUrn } from './scim-urns';

export interface AttrPath {
  /** An extension URN the attribute lives under; undefined for core attributes. */
  urn?: string;
  /** One or two names: attribute, then optional sub-attribute. */
  names: string[];
}

/** ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; `$ref` is the RFC's own exception. */
const ATTR_NAME = /^(?:[A-Za-z][\w-]*|\$ref)$/;

export function isAttrName(name: string): boolean {
  return ATTR_NAME.test(name) && !isForbiddenKey(name);
}

function isCore(urn: string): boolean {
  const lower = urn.toLowerCase();
  return lower === SCHEMA_USER.toLowerCase() || lower === SCHEMA_GROUP.toLowerCase();
}

/**
 * Splits an attribute path, or returns undefined when it is not one. A URN prefix ends at the
 * last colon (attribute names contain none; URNs contain dots, as in "2.0"). Core URNs are
 * dropped: `urn:…:core:2.0:User:userName` is `userName`.
 */
export function splitAttrPath(text: string): AttrPath | undefined {
  const colon = text.lastIndexOf(':');
  const rest = colon < 0 ? text : text.slice(colon + 1);
  const names = rest.split('.');
  if (names.length > 2 || !names.every(isAttrName)) return undefined;
  if (colon < 0) return { names };
  const urn = text.slice(0, colon);
  if (!/^urn:[^\s[\]"]+$/i.test(urn)) return undefined;
  return isCore(urn) ? { names } : { urn: canonicalUrn(urn) ?? urn, names };
}

/**
 * A path that names a whole extension object, such as `urn:…:enterprise:2.0:User`. Only known
 * URNs qualify: for an unknown one we cannot tell the URN from an attribute name.
 */
export function wholeExtensionUrn(text: string): string | undefined {
  const urn = canonicalUrn(text);
  return urn !== undefined && !isCore(urn) ? urn : undefined;
}
