import { poolConformance } from './pool.conformance.js';
import { executorPoolFixture } from './pool-executor-fixture.js';

poolConformance('processes', executorPoolFixture('processes'));
