// @confidential/cas-policy — the SCONE session policy: schema, load with positions, lint, measurement binding,
// deterministic rendering, upload (scone CLI / sim service) and the sim policy service itself.
export const packageName = '@confidential/cas-policy';

export { formatIssue, issuePath, optionsOrThrow, PolicyError, type PolicyIssue, type Severity } from './lib/errors.js';
export {
  AccessPolicy,
  Attestation,
  AttestationVariant,
  Environment,
  ExportTarget,
  Image,
  ImageVolume,
  InjectionFile,
  LocalName,
  Mrenclave,
  SconeId,
  Secret,
  SecretKind,
  Security,
  Service,
  serviceArgv,
  serviceMeasurements,
  Session,
  SessionName,
  SessionVersion,
  SignerAttestation,
  Tolerate,
  Volume,
  type AccessEntry,
} from './lib/schema.js';
export { CommandSyntaxError, splitCommand } from './lib/argv.js';
export { loadSessionFile, loadSessionText, type LoadedSession } from './lib/load.js';
export { LINT_RULES, lintOrThrow, lintSession, secretReferences, type LintCode, type LintOptions } from './lib/lint.js';
export { Measurement, loadMeasurementFile, loadMeasurementText } from './lib/measurement.js';
export { bindMeasurement, renderSession, type BindOptions } from './lib/bind.js';
export { renderBoundFiles, type RenderFilesOptions, type RenderFilesResult } from './lib/render.js';
export { SconeUploadOptions, sconeUploadCommand, uploadSessionScone } from './lib/upload/scone.js';
export {
  getSessionSim,
  healthSim,
  launchPath,
  launchSim,
  SimServiceError,
  UploadAnswer,
  uploadSessionSim,
  volumeActionSim,
  volumeStatusSim,
  type UploadResult,
  type VolumeStatusAnswer,
} from './lib/upload/sim.js';
export { EMPTY as EMPTY_VOLUME, serviceVolumes, VolumeStore, type LaunchVolume, type VolumeStatus } from './lib/service/volumes.js';
export { launchConfig, parseLaunch, percentEncode, renderLaunch, type LaunchConfig, type LaunchVolumeLine } from './lib/service/launch.js';
export { SessionStore, sessionHash, storeFileName, type PutResult, type StoredSession } from './lib/service/store.js';
export { startPolicyService, type PolicyService, type PolicyServiceOptions } from './lib/service/server.js';
