import type { Response } from 'express';
import { DEFAULT_DIRECTORY } from '../../directories/directory';
import { CONSOLE_PATH } from './console-cookies';

/**
 * Which directory a console page shows, and where its pages live: the default directory's at
 * /admin (as before directories), another's at /admin/d/<name>. Every link and form of a page is
 * built from `base`, so a page never points into another directory's pages.
 */
export interface ConsolePlace {
  /** The directory's console path: /admin or /admin/d/<name>. */
  base: string;
  directory: string;
  /** Every directory of the bridge, the default one first: the header's switch lists them when there are several. */
  directories: readonly string[];
}

/** The pages the header's directory switch can land on; any other page (a history page) lands on the list it came from. */
export const CONSOLE_SECTIONS = { overview: '', users: '/users', groups: '/groups', failed: '/failed', drift: '/drift' } as const;
export type ConsoleSection = keyof typeof CONSOLE_SECTIONS;

/** Where the directory switch's form goes (admin-console.ts answers it with a redirect). */
export const DIRECTORY_SWITCH_PATH = `${CONSOLE_PATH}/directory`;

export function consoleBasePath(directory: string): string {
  return directory === DEFAULT_DIRECTORY ? CONSOLE_PATH : `${CONSOLE_PATH}/d/${directory}`;
}

/** The default directory alone: what a page outside any directory's router (sign-in, errors, OAuth approval) shows. */
export const DEFAULT_PLACE: ConsolePlace = { base: CONSOLE_PATH, directory: DEFAULT_DIRECTORY, directories: [DEFAULT_DIRECTORY] };

const PLACE_LOCAL = 'consolePlace';

/** Set by the directory's console router before its pages run. */
export function setPlace(res: Response, place: ConsolePlace): void {
  res.locals[PLACE_LOCAL] = place;
}

export function placeOf(res: Response): ConsolePlace {
  return (res.locals[PLACE_LOCAL] as ConsolePlace | undefined) ?? DEFAULT_PLACE;
}
