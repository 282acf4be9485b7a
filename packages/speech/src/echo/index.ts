export { EchoCanceller, type EchoCancellerOptions } from './echo-canceller.js';
export { EchoDelayEstimator, type EchoDelayOptions } from './echo-delay-estimator.js';
