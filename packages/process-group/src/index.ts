/**
 * `@stateflow/process-group`: how StateFlow's backends run an engine's local processes
 * (a Flink mini-cluster, Prism, the Statefun JVM and function service, Lambda emulators,
 * Anna and Cloudburst). Node only; a backend's build never needs it.
 */
export { lineBeforeExit, startProcessGroup, type ProcessGroup, type ProcessGroupOptions } from './process-group.js';
export { freePort, portOpen, waitUntilReady } from './ports.js';
export { stopWithFile } from './stop-file.js';
