import type { ObjectStore } from '@nats-io/obj';
import type { Logger } from 'pino';
import type { CommandBus } from '../commands/command-bus';
import type { Config } from '../config';
import type { ReadModelDb } from '../db/database';
import type { ProjectionNotifier } from '../projector/notification';

/** The caller of a request, from its bearer token; never the token itself. */
export interface Principal {
  /** Label of the token (`label:token` in API_TOKENS), or `anonymous` with auth turned off. */
  label: string;
}

/** Hono variables set by the gateway's middleware for every request. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    principal: Principal;
  };
};

/** Services that route handlers use, passed in by {@link startGateway}. */
export interface GatewayServices {
  config: Config;
  db: ReadModelDb;
  notifier: ProjectionNotifier;
  bus: CommandBus;
  uploads: ObjectStore;
  artifacts: ObjectStore;
  log: Logger;
}
