import type { Key } from '../i18n.ts';

/**
 * The cashier's message for a getUserMedia failure, by the DOMException's name (old Chrome used
 * other names for the same cases: PermissionDeniedError, DevicesNotFoundError, TrackStartError).
 */
export function cameraErrorKey(name: string): Key {
  switch (name) {
    case 'NotAllowedError': case 'PermissionDeniedError': case 'SecurityError': return 'cameraDenied';
    case 'NotFoundError': case 'DevicesNotFoundError': case 'OverconstrainedError': case 'ConstraintNotSatisfiedError': return 'cameraNone';
    case 'NotReadableError': case 'TrackStartError': case 'AbortError': return 'cameraInUse';
    default: return 'cameraFailed';
  }
}
