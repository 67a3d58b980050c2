/**
 * The tiny IPC protocol between the bench driver and its child processes (bridge roles, simulator,
 * bare baseline). Each service runs in its own process so the load generator never shares an event
 * loop with what it measures. Never imported by src/.
 */

export type RpcHandlers = Record<string, (args: any) => unknown>;

interface RpcRequest {
  id: number;
  cmd: string;
  args?: unknown;
}

/**
 * Child side: announces `ready` (with e.g. the URL it listens on), then answers commands. `stop`
 * is always available: it runs the given handler (if any), replies, and exits, so a child never
 * outlives the bench. A lost parent also ends the child.
 */
export function serveRpc(handlers: RpcHandlers, readyInfo: Record<string, unknown>): void {
  if (!process.send) throw new Error('this script is a bench child: start it with child_process.fork');
  const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, undefined, {}, () => resolve()));
  const answer = async ({ id, cmd, args }: RpcRequest): Promise<void> => {
    try {
      if (cmd === 'cpu') return void (await send({ id, result: process.cpuUsage() }));
      if (cmd === 'stop') {
        await handlers.stop?.(args);
        await send({ id, result: true });
        process.exit(0);
      }
      const handler = handlers[cmd];
      if (!handler) throw new Error(`unknown command ${cmd}`);
      await send({ id, result: await handler(args) });
    } catch (err) {
      await send({ id, error: err instanceof Error ? err.message : String(err) });
    }
  };
  process.on('message', (raw: RpcRequest) => void answer(raw));
  process.on('disconnect', () => process.exit(0));
  void send({ ready: readyInfo });
}
