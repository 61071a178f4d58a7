/**
 * The engine suites' shared kit (private): each suite (`tests/<engine>`) calls
 * {@link defineEngineSuite} with what is its own and keeps only its deploy function.
 */
export { defineEngineSuite, suiteEnvName } from './suite.js';
export type { EngineSuite, EngineSuiteOptions, SetupScript } from './suite.js';
export { startKafka } from './kafka-broker.js';
export type { KafkaBroker, StartKafkaOptions } from './kafka-broker.js';
export { KafkaRequester, ensureTopics, readTopic } from './requester.js';
export type { RequesterNames } from './requester.js';
export { REPO_ROOT, accountsProgram, compileRepoFile } from './programs.js';
export { deploymentFolder, freePort, started, tailLog } from './deployment.js';
export type { DeploymentFolder, Starting } from './deployment.js';
export { asHttpShowsIt, httpConformanceClient, servedOverHttp } from './http-conformance.js';
export { gatewayConformanceTarget, kafkaConformanceTarget, runCombinedConformance } from './kafka-conformance.js';
export type { CombinedConformanceOptions, CombinedConformanceRun, DeployForConformance, KafkaConformanceOptions, KafkaDeployment } from './kafka-conformance.js';
export { describeGatewayConformance, describeKafkaConformance } from './conformance-files.js';
export type { ConformanceFileOptions } from './conformance-files.js';
export { describeShopRoundTrip } from './shop-round-trip.js';
export type { ShopDeployment, ShopRoundTripOptions } from './shop-round-trip.js';
export { CLI_BIN, startStateflowRun } from './cli-run.js';
export type { StateflowRun, StateflowRunOptions } from './cli-run.js';
