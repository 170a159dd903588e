/**
 * The C-MOVE destinations of the AE registry: a registered AE granted `moveDestination` (every AE of an AE
 * file; an ApplicationEntity that says so). Any other title is unknown to a C-MOVE, which gets A801: we open
 * associations only to addresses an operator registered for that purpose.
 */
import { AeOperation, type AeRegistry } from '@dicomesh/k8s-registry';
import type { Logger } from '@dicomesh/telemetry';
import type { DestinationRegistry } from './retrieve-options.js';

export function moveDestinations(registry: AeRegistry, logger: Logger): DestinationRegistry {
  return {
    lookup(aeTitle) {
      const entry = registry.lookup(aeTitle);
      if (entry === undefined || registry.allows(entry.aeTitle, AeOperation.MoveDestination)) return entry;
      logger.warn('C-MOVE destination registered without moveDestination: refused as unknown', {
        destination: entry.aeTitle,
        origin: entry.origin,
      });
      return undefined;
    },
  };
}
