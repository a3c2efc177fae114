import { applyStreamsFile, errorText, provisionSummary } from '@gm/messaging';
import type { StandaloneCommand } from '@gm/platform/run';
import type { AppConfig } from '../config/config';

/**
 * `node main.js apply-streams /etc/gm/streams.json`: the tier's generated federation streams onto
 * its NATS server (NATS_URL, JETSTREAM_DOMAIN), then exit. A deploy step that runs before the
 * service (a one-shot container in docker-compose); the running service does not provision streams
 * (ADR 0022). Waits for NATS up to `--wait-seconds` (120). Exit 0 when applied, 2 when streams were
 * held back (a legacy DOWNLINK: README, "Upgrading a federation") or the arguments are wrong, 1
 * when the file cannot be read or NATS never answered.
 */
export const applyStreams: StandaloneCommand<AppConfig>['run'] = async ({ config, logger, args }) => {
  const file = args[0];
  const waitArg = args.indexOf('--wait-seconds');
  const waitSeconds = waitArg >= 0 ? Number(args[waitArg + 1]) : 120;
  if (!file || file.startsWith('--') || !Number.isInteger(waitSeconds) || waitSeconds < 0) {
    process.stderr.write(`usage: apply-streams FILE [--wait-seconds N] [--retire-legacy-downlink]\n`);
    return 2;
  }
  try {
    const result = await applyStreamsFile({
      file,
      servers: config.nats.servers,
      domain: config.nats.jetstreamDomain,
      retireLegacyDownlink: args.includes('--retire-legacy-downlink'),
      waitMs: waitSeconds * 1000,
      onRetry: (attempt, err) => {
        if (attempt === 1 || attempt % 30 === 0) logger.event('warn', 'federation.streams_not_applied', { file, attempt, error: errorText(err) }, 'ApplyStreams');
      },
    });
    process.stdout.write(`${provisionSummary(config.tier, result)}\n`);
    if (result.blocked.length > 0) {
      logger.event('error', 'federation.streams_held_back', { streams: result.blocked, why: result.blockedBecause ?? null }, 'ApplyStreams');
      return 2;
    }
    logger.event('info', 'federation.streams_applied', { ...result }, 'ApplyStreams');
    return 0;
  } catch (err) {
    logger.event('error', 'federation.streams_not_applied', { file, error: errorText(err) }, 'ApplyStreams');
    return 1;
  }
};
