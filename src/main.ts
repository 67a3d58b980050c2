import { ConfigError, loadConfig } from './config/load-config';
import { startBridge } from './lifecycle/bridge-process';
import { createLogger } from './logging/logger';

/** Process entry: load config, start by role, wire signals, force-quit if shutdown hangs. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(78);
  }
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const bridge = await startBridge(config, logger);

  const shutdown = (signal: string) => {
    logger.info(`received ${signal}`, { category: 'lifecycle' });
    const force = setTimeout(() => {
      logger.error('shutdown took too long; forcing exit', { category: 'lifecycle', timeoutMs: config.shutdownTimeoutMs });
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    bridge.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { category: 'lifecycle', err });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`scim-bridge failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
