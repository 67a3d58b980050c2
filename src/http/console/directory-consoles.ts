import express, { type Request, type Response, type Router } from 'express';
import { DEFAULT_DIRECTORY, directoryNameProblem } from '../../directories/directory';
import { html, layout, sendPage } from './console-html';
import { CONSOLE_SECTIONS, consoleBasePath, DEFAULT_PLACE, DIRECTORY_SWITCH_PATH, type ConsoleSection } from './console-place';

export interface DirectoryConsolesDependencies {
  /** The default directory's pages, at /admin as before directories. */
  defaultPages: Router;
  /** A named directory's pages (consoleRouter), built once per directory; undefined when the bridge has no such directory. */
  pagesOf(directory: string): Promise<Router | undefined>;
  /** Every directory's name, the default one first. */
  directories(): Promise<readonly string[]>;
}

/**
 * Every directory's console: the default directory's pages at /admin, another's at
 * /admin/d/<name>, each a router of its own over that directory's services alone, so a page and
 * the forms on it can only ever act on the directory in its URL. The header's switch
 * (console-html.ts) sends GET /admin/directory?name=...&section=..., answered with a redirect.
 */
export function directoryConsoles(deps: DirectoryConsolesDependencies): Router {
  const router = express.Router();
  const switchPath = DIRECTORY_SWITCH_PATH.slice(consoleBasePath(DEFAULT_DIRECTORY).length);

  router.get(switchPath, async (req, res) => {
    const name = typeof req.query.name === 'string' ? req.query.name : '';
    const section =
      typeof req.query.section === 'string' && Object.hasOwn(CONSOLE_SECTIONS, req.query.section) ? (req.query.section as ConsoleSection) : 'overview';
    if (name !== DEFAULT_DIRECTORY && (directoryNameProblem(name) || !(await deps.pagesOf(name)))) return noSuchDirectory(req, res, name, deps);
    res.redirect(303, `${consoleBasePath(name)}${CONSOLE_SECTIONS[section]}`);
  });

  router.use('/d/:directory', async (req, res, next) => {
    const name = String(req.params.directory);
    // The default directory has one address, /admin: its bookmarks and links stay as they were.
    if (name === DEFAULT_DIRECTORY && (req.method === 'GET' || req.method === 'HEAD'))
      return res.redirect(303, `${consoleBasePath(name)}${req.url === '/' ? '' : req.url}`);
    const pages = directoryNameProblem(name) ? undefined : await deps.pagesOf(name);
    if (!pages) return noSuchDirectory(req, res, name, deps);
    // What the directory's pages leave (a JSON request to one of their paths) is no page of another directory.
    pages(req, res, (err?: unknown) => (err ? next(err) : next('router')));
  });

  router.use(deps.defaultPages);
  return router;
}

async function noSuchDirectory(req: Request, res: Response, name: string, deps: DirectoryConsolesDependencies): Promise<void> {
  const directories = await deps.directories();
  sendPage(
    res,
    404,
    layout(
      { title: 'No such directory', csrfToken: req.adminSession!.csrfToken, place: { ...DEFAULT_PLACE, directories } },
      html`<p>
        The bridge has no directory "${name}" (it may have been removed): <code>npm run directory -- list</code> shows them.
        <a href="${DEFAULT_PLACE.base}">Back to the default directory's overview</a>
      </p>`,
    ),
  );
}
